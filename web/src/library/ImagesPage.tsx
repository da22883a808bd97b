import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Code,
  CopyButton,
  FileButton,
  Group,
  Image,
  List,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { modals } from '@mantine/modals';
import { IconCheck, IconLink, IconTrash, IconUpload } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../api/client';
import { type ApiError, asSentence, toApiError } from '../api/errors';
import { ErrorState } from '../app/ErrorState';
import { useFormat } from '../format/FormatContext';
import { imagesQuery, libraryPageSize, uploadImage } from './api';
import { absoluteUrl, fileSize } from './files';
import { notify } from './notify';
import type { LibraryImage } from './types';

const accepted = 'image/png,image/jpeg,image/gif,image/webp';

/** Images: the library e-mails use (public addresses, no login); upload, copy the address, delete. */
export function ImagesPage() {
  useDocumentTitle('Images · Posthorn');
  const format = useFormat();
  const queryClient = useQueryClient();
  const list = useQuery(imagesQuery);
  const [failures, setFailures] = useState<Array<{ file: string; error: ApiError }>>([]);
  const upload = useMutation({
    // one after the other: each file gets its own answer, and one refused file stops no other
    mutationFn: async (files: File[]) => {
      const refused: Array<{ file: string; error: ApiError }> = [];
      for (const file of files) {
        try {
          await uploadImage(file);
        } catch (e) {
          refused.push({ file: file.name, error: toApiError(e) });
        }
      }
      return { uploaded: files.length - refused.length, refused };
    },
    onMutate: () => setFailures([]),
    onSuccess: async ({ uploaded, refused }) => {
      setFailures(refused);
      if (uploaded > 0) {
        await queryClient.invalidateQueries({ queryKey: ['images'] });
        notify({
          color: 'green',
          message:
            uploaded === 1 ? 'The image was uploaded' : `${format.number(uploaded)} images were uploaded`,
        });
      }
    },
  });
  const remove = useMutation({
    mutationFn: (image: LibraryImage) =>
      call(() => api.DELETE('/api/v1/images/{id}', { params: { path: { id: image.id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['images'] }),
    onError: (error) => {
      const e = toApiError(error);
      notify({
        color: 'red',
        title: 'The image was not deleted',
        message: `${asSentence(e.message)} (${e.code})`,
      });
    },
  });
  const confirmDelete = (image: LibraryImage) =>
    modals.openConfirmModal({
      title: 'Delete this image?',
      children: (
        <Text size="sm">
          “{image.fileName}” is deleted. E-mails that show it (also those already sent) will show an empty
          space instead. This cannot be undone.
        </Text>
      ),
      labels: { confirm: 'Delete', cancel: 'Keep it' },
      confirmProps: { color: 'red.9' },
      onConfirm: () => remove.mutate(image),
    });
  const size = (bytes: number) => {
    const s = fileSize(bytes);
    return `${format.number(s.value)} ${s.unit}`;
  };
  const total = list.data?.total ?? 0;

  return (
    <Stack gap="lg" maw={1200}>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Images
        </Title>
        <FileButton onChange={(files) => files.length > 0 && upload.mutate(files)} accept={accepted} multiple>
          {(props) => (
            <Button {...props} leftSection={<IconUpload size={16} aria-hidden />} loading={upload.isPending}>
              Upload images…
            </Button>
          )}
        </FileButton>
      </Group>
      <Text size="sm" c="dimmed" maw={720}>
        PNG, JPEG, GIF or WebP. Images here have a public address, so every e-mail client can show them:
        upload nothing private.
      </Text>
      {failures.length > 0 && (
        <Alert
          color="red"
          variant="light"
          role="alert"
          title={failures.length === 1 ? 'An image was not uploaded' : 'Some images were not uploaded'}
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => setFailures([])}
        >
          <List size="sm" spacing={4}>
            {failures.map((f) => (
              <List.Item key={f.file}>
                {/* each line names its file (the API's message does not always) */}
                {f.error.message.startsWith(f.file)
                  ? f.error.message
                  : `${f.file}: ${asSentence(f.error.message)}`}{' '}
                <Code>{f.error.code}</Code>
              </List.Item>
            ))}
          </List>
        </Alert>
      )}

      {list.isError && !list.data ? (
        <ErrorState
          error={list.error}
          onRetry={() => void list.refetch()}
          title={toApiError(list.error).status === 0 ? undefined : 'The images could not be loaded'}
        />
      ) : (
        <SimpleGrid cols={{ base: 2, sm: 3, md: 4, lg: 5 }} spacing="md" aria-busy={list.isFetching}>
          {list.isPending &&
            Array.from({ length: 5 }, (_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
              <Skeleton key={i} height={220} radius="md" />
            ))}
          {list.data?.items.map((image) => (
            <Card key={image.id} withBorder radius="md" padding="sm" component="figure" m={0}>
              <Card.Section bg="gray.1">
                <Image src={image.path} alt={image.fileName} h={140} fit="contain" loading="lazy" />
              </Card.Section>
              <Stack gap={2} mt="sm" component="figcaption">
                <Text size="sm" fw={600} truncate="end" title={image.fileName}>
                  {image.fileName}
                </Text>
                <Text size="xs" c="dimmed">
                  {size(image.sizeBytes)} · {format.date(image.createdAt)}
                </Text>
              </Stack>
              <Group gap="xs" mt="sm" justify="space-between" wrap="nowrap">
                <CopyButton value={absoluteUrl(image.path, window.location.origin)}>
                  {({ copied, copy }) => (
                    <Button
                      size="compact-sm"
                      variant="light"
                      color={copied ? 'teal' : 'blue'}
                      leftSection={
                        copied ? <IconCheck size={14} aria-hidden /> : <IconLink size={14} aria-hidden />
                      }
                      onClick={copy}
                      aria-label={`Copy URL of ${image.fileName}`}
                    >
                      {copied ? 'Copied' : 'Copy URL'}
                    </Button>
                  )}
                </CopyButton>
                <Tooltip label="Delete">
                  <ActionIcon
                    variant="subtle"
                    color="red.9"
                    aria-label={`Delete ${image.fileName}`}
                    onClick={() => confirmDelete(image)}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Tooltip>
              </Group>
            </Card>
          ))}
        </SimpleGrid>
      )}
      {list.data && total === 0 && (
        <Text c="dimmed" ta="center" py="lg">
          No images yet. Upload the pictures and logos your e-mails use.
        </Text>
      )}
      {list.isError && list.data && (
        <ErrorState
          error={list.error}
          onRetry={() => void list.refetch()}
          title="The list could not be updated"
        />
      )}
      {list.data && total > 0 && (
        <Text size="sm" c="dimmed" aria-live="polite">
          {total > libraryPageSize
            ? `The newest ${format.number(libraryPageSize)} of ${format.number(total)} images`
            : `${format.number(total)} ${total === 1 ? 'image' : 'images'}`}
        </Text>
      )}
    </Stack>
  );
}
