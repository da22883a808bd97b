import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  FileButton,
  Flex,
  Group,
  Menu,
  Paper,
  SegmentedControl,
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
import {
  IconCopy,
  IconDots,
  IconDownload,
  IconEye,
  IconMailPlus,
  IconPencil,
  IconPlus,
  IconSearch,
  IconTrash,
  IconUpload,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../api/client';
import { asSentence, toApiError } from '../api/errors';
import type { Channel } from '../api/types';
import { ErrorState } from '../app/ErrorState';
import { useFormat } from '../format/FormatContext';
import { FolderTree } from '../mailings/FolderTree';
import { folderPath } from '../mailings/folders';
import { channelLabels } from '../mailings/labels';
import { foldersQuery } from '../mailings/listApi';
import { type FromTemplate, NewMailingModal } from '../mailings/NewMailingModal';
import { exportTemplate, importTemplate, libraryPageSize, libraryTemplatesQuery } from './api';
import { downloadText } from './download';
import { exportFileName } from './files';
import { failed, notify } from './notify';
import { TemplateEditor } from './TemplateEditor';
import type { LibraryTemplate } from './types';

/** The channels that have templates (a form response uses e-mail templates). */
const channels: { value: Channel; label: string }[] = (['email', 'sms', 'document'] as const).map((c) => ({
  value: c,
  label: channelLabels[c],
}));

type Editing = { template: LibraryTemplate | null } | null;

/** Templates: the starters and the team's own, per channel; create, edit, copy, export, import, delete. */
export function TemplatesPage() {
  useDocumentTitle('Templates · Posthorn');
  const format = useFormat();
  const queryClient = useQueryClient();
  const [channel, setChannel] = useState<Channel>('email');
  const [q, setQ] = useState('');
  const [debouncedQ] = useDebouncedValue(q.trim(), 300);
  const [folder, setFolder] = useState<number | undefined>(undefined);
  const list = useQuery(libraryTemplatesQuery(channel, debouncedQ, folder));
  const folders = useQuery(foldersQuery('template'));
  const folderName = folder ? folderPath(folders.data?.items ?? [], folder) : '';
  const [editing, setEditing] = useState<Editing>(null);
  const [fromTemplate, setFromTemplate] = useState<FromTemplate | null>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: ['templates'] });
  const copy = useMutation({
    mutationFn: (t: LibraryTemplate) =>
      call<LibraryTemplate>(() =>
        api.POST('/api/v1/templates/{id}/copy', { params: { path: { id: t.id } }, body: {} }),
      ),
    onSuccess: async (copied) => {
      await refresh();
      notify({ color: 'green', message: `Copied as “${copied.name}”` });
    },
    onError: failed('The template was not copied'),
  });
  const exporting = useMutation({
    mutationFn: async (t: LibraryTemplate) =>
      downloadText(await exportTemplate(t.id), exportFileName(t.name)),
    onError: failed('The template was not exported'),
  });
  const importing = useMutation({
    mutationFn: async (file: File) => importTemplate(await file.text()),
    onSuccess: async (imported) => {
      // shown where it is: an import has no folder, and its channel may be another
      setChannel(imported.channel);
      setFolder(undefined);
      await refresh();
      notify({ color: 'green', message: `Imported “${imported.name}”` });
    },
  });
  const remove = useMutation({
    mutationFn: (t: LibraryTemplate) =>
      call(() => api.DELETE('/api/v1/templates/{id}', { params: { path: { id: t.id } } })),
    onSuccess: refresh,
    onError: failed('The template was not deleted'),
  });
  const confirmDelete = (t: LibraryTemplate) =>
    modals.openConfirmModal({
      title: 'Delete this template?',
      children: (
        <Text size="sm">
          “{t.name}” is deleted. Mailings made from it keep their content. This cannot be undone.
        </Text>
      ),
      labels: { confirm: 'Delete', cancel: 'Keep it' },
      confirmProps: { color: 'red.9' },
      onConfirm: () => remove.mutate(t),
    });
  const importError = importing.error ? toApiError(importing.error) : null;
  const total = list.data?.total ?? 0;

  return (
    <Stack gap="lg" maw={1200}>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Templates
        </Title>
        <Group gap="sm">
          <FileButton onChange={(f) => f && importing.mutate(f)} accept="application/json,.json">
            {(props) => (
              <Button
                {...props}
                variant="default"
                leftSection={<IconUpload size={16} aria-hidden />}
                loading={importing.isPending}
              >
                Import…
              </Button>
            )}
          </FileButton>
          <Button
            leftSection={<IconPlus size={16} aria-hidden />}
            onClick={() => setEditing({ template: null })}
          >
            New template
          </Button>
        </Group>
      </Group>
      {importError && (
        <Alert
          color="red"
          variant="light"
          role="alert"
          title="The file was not imported"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => importing.reset()}
        >
          {asSentence(importError.message)} <Code>{importError.code}</Code>
          <Text size="xs" c="dimmed" mt={4}>
            Import takes a file exported from Posthorn's Templates (Export in a template's menu).
          </Text>
        </Alert>
      )}

      <Flex direction={{ base: 'column', md: 'row' }} gap="lg" align="flex-start">
        <FolderTree kind="template" selected={folder} onSelect={setFolder} />
        <Stack gap="lg" style={{ flex: 1, minWidth: 0 }} w="100%">
          {folder !== undefined && (
            <Title order={2} size="h4">
              {folderName ? `Folder: ${folderName}` : 'Folder'}
            </Title>
          )}
          <Group gap="sm" align="flex-end" wrap="wrap">
            <Stack gap={4}>
              <Text size="sm" fw={500} id="templates-channel">
                Channel
              </Text>
              <SegmentedControl
                aria-labelledby="templates-channel"
                data={channels}
                value={channel}
                onChange={(v) => setChannel(v as Channel)}
              />
            </Stack>
            <TextInput
              label="Search"
              placeholder="Name of the template"
              leftSection={<IconSearch size={16} aria-hidden />}
              value={q}
              onChange={(e) => setQ(e.currentTarget.value)}
              w={{ base: '100%', xs: 280 }}
              type="search"
            />
          </Group>

          {list.isError && !list.data ? (
            <ErrorState
              error={list.error}
              onRetry={() => void list.refetch()}
              title={toApiError(list.error).status === 0 ? undefined : 'The templates could not be loaded'}
            />
          ) : (
            <Paper withBorder radius="md">
              {/* positioned: the hidden Actions header (absolute) is clipped with the rest, not
                  widening the page on a phone */}
              <Table.ScrollContainer minWidth={640} type="native" pos="relative">
                <Table
                  verticalSpacing="sm"
                  horizontalSpacing="md"
                  aria-busy={list.isFetching}
                  aria-label="Templates"
                >
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Name</Table.Th>
                      <Table.Th w={140}>Kind</Table.Th>
                      <Table.Th w={200}>Last changed</Table.Th>
                      <Table.Th w={60}>
                        <VisuallyHidden>Actions</VisuallyHidden>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.isPending &&
                      Array.from({ length: 4 }, (_, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
                        <Table.Tr key={i}>
                          {Array.from({ length: 4 }, (_, j) => (
                            // biome-ignore lint/suspicious/noArrayIndexKey: placeholder cells have no identity
                            <Table.Td key={j}>
                              <Skeleton height={14} radius="sm" />
                            </Table.Td>
                          ))}
                        </Table.Tr>
                      ))}
                    {list.data?.items.map((t) => (
                      <Table.Tr key={t.id}>
                        <Table.Td>
                          <Anchor
                            component="button"
                            type="button"
                            fw={600}
                            size="sm"
                            c="inherit"
                            ta="left"
                            onClick={() => setEditing({ template: t })}
                          >
                            {t.name}
                          </Anchor>
                          {t.description && (
                            <Text size="xs" c="dimmed" lineClamp={2}>
                              {t.description}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          {t.starter ? (
                            <Badge variant="light" color="blue" radius="sm">
                              Starter
                            </Badge>
                          ) : (
                            <Badge variant="light" color="gray" radius="sm">
                              Own
                            </Badge>
                          )}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          <Text size="sm">{format.dateTime(t.updatedAt)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Menu position="bottom-end" withinPortal>
                            <Menu.Target>
                              <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${t.name}`}>
                                <IconDots size={18} />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              <Menu.Item
                                leftSection={t.starter ? <IconEye size={16} /> : <IconPencil size={16} />}
                                onClick={() => setEditing({ template: t })}
                              >
                                {t.starter ? 'View' : 'Edit'}
                              </Menu.Item>
                              <Menu.Item
                                leftSection={<IconMailPlus size={16} />}
                                onClick={() =>
                                  setFromTemplate({ id: t.id, name: t.name, channel: t.channel })
                                }
                              >
                                New mailing from this template
                              </Menu.Item>
                              <Menu.Item leftSection={<IconCopy size={16} />} onClick={() => copy.mutate(t)}>
                                Copy
                              </Menu.Item>
                              <Menu.Item
                                leftSection={<IconDownload size={16} />}
                                onClick={() => exporting.mutate(t)}
                              >
                                Export
                              </Menu.Item>
                              {!t.starter && (
                                <Menu.Item
                                  color="red.9"
                                  leftSection={<IconTrash size={16} />}
                                  onClick={() => confirmDelete(t)}
                                >
                                  Delete
                                </Menu.Item>
                              )}
                            </Menu.Dropdown>
                          </Menu>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                    {list.data && list.data.items.length === 0 && (
                      <Table.Tr>
                        <Table.Td colSpan={4}>
                          <Text ta="center" c="dimmed" py="lg">
                            {debouncedQ
                              ? 'No template matches this search.'
                              : folder !== undefined
                                ? `No ${channelLabels[channel]} templates in this folder.`
                                : `No ${channelLabels[channel]} templates yet.`}
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
                ? `The first ${format.number(libraryPageSize)} of ${format.number(total)} templates: search to find the others.`
                : `${format.number(total)} ${total === 1 ? 'template' : 'templates'}`}
            </Text>
          )}
        </Stack>
      </Flex>

      {editing && (
        <TemplateEditor
          template={editing.template}
          channel={editing.template?.channel ?? channel}
          folderId={folder ?? null}
          onClose={() => setEditing(null)}
        />
      )}
      {fromTemplate && (
        <NewMailingModal opened onClose={() => setFromTemplate(null)} template={fromTemplate} />
      )}
    </Stack>
  );
}
