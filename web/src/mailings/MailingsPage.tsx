import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Menu,
  Pagination,
  Paper,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedCallback, useDisclosure, useDocumentTitle } from '@mantine/hooks';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import {
  IconCopy,
  IconDeviceMobileMessage,
  IconDots,
  IconFileText,
  IconForms,
  IconMail,
  IconPlus,
  IconSearch,
  IconTrash,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { api, call } from '../api/client';
import { asSentence, toApiError } from '../api/errors';
import type { Channel, Mailing, MailingState } from '../api/types';
import { ErrorState } from '../app/ErrorState';
import { mailingsRoute } from '../app/router';
import { useFormat } from '../format/FormatContext';
import { mailingsQuery } from './api';
import { channelLabels, stateColors, stateLabels } from './labels';
import { NewMailingModal } from './NewMailingModal';
import { mailingsPageSize, type SearchPatch, withPatch } from './search';

const channelIcons: Record<Channel, ReactNode> = {
  email: <IconMail size={16} stroke={1.6} aria-hidden />,
  sms: <IconDeviceMobileMessage size={16} stroke={1.6} aria-hidden />,
  document: <IconFileText size={16} stroke={1.6} aria-hidden />,
  formResponse: <IconForms size={16} stroke={1.6} aria-hidden />,
};

const channelOptions = Object.entries(channelLabels).map(([value, label]) => ({ value, label }));
const stateOptions = Object.entries(stateLabels).map(([value, label]) => ({ value, label }));

/** Mailings: every mailing, newest first, with search, channel and state filters and pages (all in the URL). */
export function MailingsPage() {
  useDocumentTitle('Mailings · Posthorn');
  const search = mailingsRoute.useSearch();
  const navigate = useNavigate({ from: mailingsRoute.fullPath });
  const format = useFormat();
  const list = useQuery(mailingsQuery(search));
  const [q, setQ] = useState(search.q ?? '');
  const [creating, newMailing] = useDisclosure(false);
  const queryClient = useQueryClient();
  const openMailing = (id: number) => void navigate({ to: '/mailings/$id', params: { id: String(id) } });
  const failed = (title: string) => (error: unknown) => {
    const e = toApiError(error);
    notifications.show({ color: 'red', title, message: `${asSentence(e.message)} (${e.code})` });
  };
  const copy = useMutation({
    mutationFn: (id: number) =>
      call<Mailing>(() =>
        api.POST('/api/v1/mailings/{id}/copy', { params: { path: { id } }, body: {} as never }),
      ),
    onSuccess: async (copied) => {
      await queryClient.invalidateQueries({ queryKey: ['mailings', 'list'] });
      openMailing(copied.id);
    },
    onError: failed('The mailing was not copied'),
  });
  const remove = useMutation({
    mutationFn: (id: number) => call(() => api.DELETE('/api/v1/mailings/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['mailings', 'list'] }),
    onError: failed('The mailing was not deleted'),
  });
  const confirmDelete = (m: Mailing) =>
    modals.openConfirmModal({
      title: 'Delete this draft?',
      children: <Text size="sm">“{m.name}” and its recipient list are deleted. This cannot be undone.</Text>,
      labels: { confirm: 'Delete', cancel: 'Keep it' },
      confirmProps: { color: 'red.9' },
      onConfirm: () => remove.mutate(m.id),
    });

  const setSearch = (patch: SearchPatch) =>
    void navigate({
      // a new search or filter starts on the first page
      search: (prev) => withPatch('page' in patch ? prev : { ...prev, page: undefined }, patch),
      replace: 'q' in patch,
    });
  const searchLater = useDebouncedCallback(
    (value: string) => setSearch({ q: value.trim() || undefined }),
    300,
  );

  const page = search.page ?? 1;
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / mailingsPageSize));
  const first = (page - 1) * mailingsPageSize + 1;
  const last = Math.min(total, page * mailingsPageSize);
  const filtered = Boolean(search.q || search.channel || search.state);

  return (
    <Stack gap="lg" maw={1200}>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Mailings
        </Title>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={newMailing.open}>
          New mailing
        </Button>
      </Group>
      <NewMailingModal opened={creating} onClose={newMailing.close} />

      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="Name of the mailing"
          leftSection={<IconSearch size={16} aria-hidden />}
          value={q}
          onChange={(e) => {
            setQ(e.currentTarget.value);
            searchLater(e.currentTarget.value);
          }}
          w={{ base: '100%', xs: 280 }}
          type="search"
        />
        <Select
          label="Channel"
          placeholder="All channels"
          data={channelOptions}
          value={search.channel ?? null}
          onChange={(v) => setSearch({ channel: (v as Channel | null) ?? undefined })}
          clearable
          w={{ base: '100%', xs: 180 }}
        />
        <Select
          label="State"
          placeholder="All states"
          data={stateOptions}
          value={search.state ?? null}
          onChange={(v) => setSearch({ state: (v as MailingState | null) ?? undefined })}
          clearable
          w={{ base: '100%', xs: 180 }}
        />
      </Group>

      {list.isError && !list.data ? (
        <ErrorState
          error={list.error}
          onRetry={() => void list.refetch()}
          title={toApiError(list.error).status === 0 ? undefined : 'The mailings could not be loaded'}
        />
      ) : (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={760} type="native">
            <Table
              verticalSpacing="sm"
              horizontalSpacing="md"
              highlightOnHover
              aria-busy={list.isFetching}
              aria-label="Mailings"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th w={160}>Channel</Table.Th>
                  <Table.Th w={150}>State</Table.Th>
                  <Table.Th w={200}>Last changed</Table.Th>
                  <Table.Th w={140}>Created</Table.Th>
                  <Table.Th w={60}>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.isPending &&
                  Array.from({ length: 5 }, (_, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
                    <Table.Tr key={i}>
                      {Array.from({ length: 6 }, (_, j) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder cells have no identity
                        <Table.Td key={j}>
                          <Skeleton height={14} radius="sm" />
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                {list.data?.items.map((m) => (
                  <Table.Tr key={m.id} onClick={() => openMailing(m.id)} style={{ cursor: 'pointer' }}>
                    <Table.Td>
                      <Link
                        to="/mailings/$id"
                        params={{ id: String(m.id) }}
                        style={{ fontWeight: 600, fontSize: 'var(--mantine-font-size-sm)', color: 'inherit' }}
                        onClick={(e) => e.stopPropagation()}
                      >
                        {m.name}
                      </Link>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Group gap={6} wrap="nowrap">
                        {channelIcons[m.channel]}
                        <Text size="sm">{channelLabels[m.channel]}</Text>
                      </Group>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Badge color={stateColors[m.state]} variant="light" radius="sm">
                        {stateLabels[m.state]}
                      </Badge>
                      {m.state === 'scheduled' && m.scheduledAt !== null && (
                        <Text size="xs" c="dimmed" mt={2}>
                          for {format.dateTime(m.scheduledAt)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Text size="sm">{format.dateTime(m.updatedAt)}</Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Text size="sm">{format.date(m.createdAt)}</Text>
                    </Table.Td>
                    <Table.Td onClick={(e) => e.stopPropagation()}>
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${m.name}`}>
                            <IconDots size={18} />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item leftSection={<IconCopy size={16} />} onClick={() => copy.mutate(m.id)}>
                            Copy
                          </Menu.Item>
                          {m.state === 'draft' && (
                            <Menu.Item
                              color="red.9"
                              leftSection={<IconTrash size={16} />}
                              onClick={() => confirmDelete(m)}
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
                    <Table.Td colSpan={6}>
                      <Text ta="center" c="dimmed" py="lg">
                        {filtered ? 'No mailing matches this search.' : 'No mailings yet.'}
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
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Text size="sm" c="dimmed" aria-live="polite">
            {total <= mailingsPageSize
              ? `${format.number(total)} ${total === 1 ? 'mailing' : 'mailings'}`
              : `${format.number(first)}–${format.number(last)} of ${format.number(total)} mailings`}
          </Text>
          {pages > 1 && (
            <Pagination
              total={pages}
              value={page}
              onChange={(p) => setSearch({ page: p > 1 ? p : undefined })}
              getControlProps={(control) => ({
                'aria-label': {
                  first: 'First page',
                  previous: 'Previous page',
                  next: 'Next page',
                  last: 'Last page',
                }[control],
              })}
              getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
            />
          )}
        </Group>
      )}
    </Stack>
  );
}
