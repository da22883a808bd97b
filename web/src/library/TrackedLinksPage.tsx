import {
  ActionIcon,
  Alert,
  Anchor,
  Button,
  Code,
  Flex,
  Group,
  Menu,
  Modal,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue, useDocumentTitle } from '@mantine/hooks';
import { modals } from '@mantine/modals';
import { IconDots, IconPencil, IconPlus, IconSearch, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../api/client';
import { asSentence, toApiError } from '../api/errors';
import { ErrorState } from '../app/ErrorState';
import { useFormat } from '../format/FormatContext';
import { FolderTree } from '../mailings/FolderTree';
import { folderPath } from '../mailings/folders';
import { foldersQuery } from '../mailings/listApi';
import { libraryPageSize, trackedLinksQuery } from './api';
import { fieldMessage, isFormError } from './errors';
import { FolderSelect } from './FolderSelect';
import { describeActions } from './linkActions';
import { closeButtonProps, notify } from './notify';
import type { TrackedLink } from './types';

/**
 * Tracked links: registered links (name and URL) that any e-mail mailing can use; each click is
 * counted per recipient. The clicks are counted per mailing (View mailing → Links): this list has
 * no totals, the API keeps none across mailings.
 */
export function TrackedLinksPage() {
  useDocumentTitle('Tracked links · Posthorn');
  const format = useFormat();
  const queryClient = useQueryClient();
  const [q, setQ] = useState('');
  const [debouncedQ] = useDebouncedValue(q.trim(), 300);
  const [folder, setFolder] = useState<number | undefined>(undefined);
  const list = useQuery(trackedLinksQuery(debouncedQ, folder));
  const folders = useQuery(foldersQuery('link'));
  const folderName = folder ? folderPath(folders.data?.items ?? [], folder) : '';
  const [editing, setEditing] = useState<{ link: TrackedLink | null } | null>(null);
  const remove = useMutation({
    mutationFn: (l: TrackedLink) =>
      call(() => api.DELETE('/api/v1/tracked-links/{id}', { params: { path: { id: l.id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tracked-links'] }),
    onError: (error) => {
      const e = toApiError(error);
      notify({
        color: 'red',
        title: 'The tracked link was not deleted',
        message: `${asSentence(e.message)} (${e.code})`,
      });
    },
  });
  const confirmDelete = (l: TrackedLink) =>
    modals.openConfirmModal({
      title: 'Delete this tracked link?',
      children: (
        <Text size="sm">
          “{l.name}” is removed from the library. Mailings already sent keep their links and counts.
        </Text>
      ),
      labels: { confirm: 'Delete', cancel: 'Keep it' },
      confirmProps: { color: 'red.9' },
      onConfirm: () => remove.mutate(l),
    });
  const total = list.data?.total ?? 0;

  return (
    <Stack gap="lg" maw={1200}>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Tracked links
        </Title>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing({ link: null })}>
          New tracked link
        </Button>
      </Group>
      <Text size="sm" c="dimmed" maw={720}>
        Links you use in many mailings. Each click is counted per recipient; the counts are in each mailing's
        follow-up.
      </Text>
      <Flex direction={{ base: 'column', md: 'row' }} gap="lg" align="flex-start">
        <FolderTree kind="link" selected={folder} onSelect={setFolder} />
        <Stack gap="lg" style={{ flex: 1, minWidth: 0 }} w="100%">
          {folder !== undefined && (
            <Title order={2} size="h4">
              {folderName ? `Folder: ${folderName}` : 'Folder'}
            </Title>
          )}
          <TextInput
            label="Search"
            placeholder="Name or URL"
            leftSection={<IconSearch size={16} aria-hidden />}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            w={{ base: '100%', xs: 280 }}
            type="search"
          />

          {list.isError && !list.data ? (
            <ErrorState
              error={list.error}
              onRetry={() => void list.refetch()}
              title={
                toApiError(list.error).status === 0 ? undefined : 'The tracked links could not be loaded'
              }
            />
          ) : (
            <Paper withBorder radius="md">
              {/* positioned: the hidden Actions header (absolute) is clipped with the rest, not
                  widening the page on a phone */}
              <Table.ScrollContainer minWidth={720} type="native" pos="relative">
                <Table
                  verticalSpacing="sm"
                  horizontalSpacing="md"
                  aria-busy={list.isFetching}
                  aria-label="Tracked links"
                >
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th miw={180}>Name</Table.Th>
                      <Table.Th>URL</Table.Th>
                      <Table.Th w={200}>On a click</Table.Th>
                      <Table.Th w={180}>Last changed</Table.Th>
                      <Table.Th w={60}>
                        <VisuallyHidden>Actions</VisuallyHidden>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.isPending &&
                      Array.from({ length: 3 }, (_, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
                        <Table.Tr key={i}>
                          {Array.from({ length: 5 }, (_, j) => (
                            // biome-ignore lint/suspicious/noArrayIndexKey: placeholder cells have no identity
                            <Table.Td key={j}>
                              <Skeleton height={14} radius="sm" />
                            </Table.Td>
                          ))}
                        </Table.Tr>
                      ))}
                    {list.data?.items.map((l) => (
                      <Table.Tr key={l.id}>
                        <Table.Td>
                          <Anchor
                            component="button"
                            type="button"
                            fw={600}
                            size="sm"
                            c="inherit"
                            ta="left"
                            onClick={() => setEditing({ link: l })}
                          >
                            {l.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td style={{ maxWidth: 360 }}>
                          <Text size="sm" truncate="end" title={l.url}>
                            {l.url}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{describeActions(l.actions)}</Text>
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          <Text size="sm">{format.dateTime(l.updatedAt)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Menu position="bottom-end" withinPortal>
                            <Menu.Target>
                              <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${l.name}`}>
                                <IconDots size={18} />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              <Menu.Item
                                leftSection={<IconPencil size={16} />}
                                onClick={() => setEditing({ link: l })}
                              >
                                Edit
                              </Menu.Item>
                              <Menu.Item
                                color="red.9"
                                leftSection={<IconTrash size={16} />}
                                onClick={() => confirmDelete(l)}
                              >
                                Delete
                              </Menu.Item>
                            </Menu.Dropdown>
                          </Menu>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                    {list.data && list.data.items.length === 0 && (
                      <Table.Tr>
                        <Table.Td colSpan={5}>
                          <Text ta="center" c="dimmed" py="lg">
                            {debouncedQ
                              ? 'No tracked link matches this search.'
                              : folder !== undefined
                                ? 'No tracked links in this folder.'
                                : 'No tracked links yet.'}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    )}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
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
                ? `The first ${format.number(libraryPageSize)} of ${format.number(total)} tracked links: search to find the others.`
                : `${format.number(total)} ${total === 1 ? 'tracked link' : 'tracked links'}`}
            </Text>
          )}
        </Stack>
      </Flex>
      {editing && (
        <TrackedLinkModal link={editing.link} folderId={folder ?? null} onClose={() => setEditing(null)} />
      )}
    </Stack>
  );
}

/** Create or change a tracked link: name and URL (the API refuses what is not an http(s) URL). */
function TrackedLinkModal({
  link,
  folderId,
  onClose,
}: {
  link: TrackedLink | null;
  /** Where a new link goes (the folder shown). */
  folderId: number | null;
  onClose: () => void;
}) {
  const [name, setName] = useState(link?.name ?? '');
  const [url, setUrl] = useState(link?.url ?? 'https://');
  const [folder, setFolder] = useState<number | null>(link ? link.folderId : folderId);
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), url: url.trim(), folderId: folder };
      return link
        ? call<TrackedLink>(() =>
            api.PATCH('/api/v1/tracked-links/{id}', { params: { path: { id: link.id } }, body }),
          )
        : call<TrackedLink>(() => api.POST('/api/v1/tracked-links', { body }));
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['tracked-links'] });
      onClose();
    },
  });
  const error = save.error ? toApiError(save.error) : null;

  return (
    <Modal
      closeButtonProps={closeButtonProps}
      opened
      onClose={onClose}
      title={link ? `Edit tracked link: ${link.name}` : 'New tracked link'}
      size="lg"
    >
      {/* noValidate: the API judges the URL, and its message is the one shown at the field */}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack gap="md">
          <TextInput
            label="Name"
            description="Shown in reports instead of the URL"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            data-autofocus
            error={fieldMessage(error, 'name')}
          />
          <TextInput
            label="URL"
            description="Where a click leads: a web address starting with https://"
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            required
            type="url"
            error={fieldMessage(error, 'url')}
          />
          <FolderSelect
            kind="link"
            value={folder}
            onChange={setFolder}
            error={fieldMessage(error, 'folderId')}
          />
          {error && isFormError(error, ['name', 'url', 'folderId']) && (
            <Alert color="red" variant="light" role="alert" title="The tracked link was not saved">
              {asSentence(error.message)} <Code>{error.code}</Code>
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!name.trim() || !url.trim()}>
              {link ? 'Save' : 'Create'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
