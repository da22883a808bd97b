import {
  ActionIcon,
  Badge,
  Button,
  darken,
  Flex,
  Group,
  Menu,
  Pagination,
  Paper,
  Progress,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  useMantineTheme,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedCallback, useDisclosure, useDocumentTitle } from '@mantine/hooks';
import { modals } from '@mantine/modals';
import {
  IconCopy,
  IconDeviceMobileMessage,
  IconDots,
  IconFileText,
  IconFolderShare,
  IconForms,
  IconMail,
  IconPlus,
  IconRefresh,
  IconSearch,
  IconTemplate,
  IconTrash,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type ReactNode, useEffect, useState } from 'react';
import { api, call } from '../api/client';
import { toApiError } from '../api/errors';
import type { Channel, Mailing, MailingState } from '../api/types';
import { ErrorState } from '../app/ErrorState';
import { mailingsRoute } from '../app/router';
import { meQuery } from '../auth/api';
import { useFormat } from '../format/FormatContext';
import { failed, notify } from '../library/notify';
import { mailingsQuery, progressQuery } from './api';
import { MailingFolderTree } from './FolderTree';
import { folderPath } from './folders';
import { channelLabels, stateColors, stateLabels } from './labels';
import { mailingFoldersQuery, reloadAndResend, resultsQuery } from './listApi';
import { NewMailingModal } from './NewMailingModal';
import { opensInView } from './open';
import { CopyToTemplateModal, MoveToFolderModal } from './RowActionModals';
import { hasResults, percent } from './results';
import { mailingsPageSize, recentlyChanged, type SearchPatch, withPatch } from './search';

const channelIcons: Record<Channel, ReactNode> = {
  email: <IconMail size={16} stroke={1.6} aria-hidden />,
  sms: <IconDeviceMobileMessage size={16} stroke={1.6} aria-hidden />,
  document: <IconFileText size={16} stroke={1.6} aria-hidden />,
  formResponse: <IconForms size={16} stroke={1.6} aria-hidden />,
};

const channelOptions = Object.entries(channelLabels).map(([value, label]) => ({ value, label }));
const stateOptions = Object.entries(stateLabels).map(([value, label]) => ({ value, label }));

/**
 * Mailings: every mailing, newest first (All) or changed last (Recent), in a folder or all, with
 * search, channel and state filters and pages (all in the URL).
 */
export function MailingsPage() {
  useDocumentTitle('Mailings · Posthorn');
  const theme = useMantineTheme();
  const badgeText = (color: string) => darken(theme.colors[color]?.[9] ?? theme.black, 0.3);
  const search = mailingsRoute.useSearch();
  const navigate = useNavigate({ from: mailingsRoute.fullPath });
  const format = useFormat();
  const { data: me } = useSuspenseQuery(meQuery);
  // folders, moving and copying need the right the API asks for (an analyst only reads the list)
  const canEdit = me.rights.includes('editMailings');
  const canSend = me.rights.includes('sendMailings');
  const list = useQuery(mailingsQuery(search));
  const folders = useQuery({ ...mailingFoldersQuery, enabled: canEdit });
  const [q, setQ] = useState(search.q ?? '');
  const [creating, newMailing] = useDisclosure(false);
  const [moving, setMoving] = useState<Mailing | null>(null);
  const [toTemplate, setToTemplate] = useState<Mailing | null>(null);
  const queryClient = useQueryClient();
  const openMailing = (id: number) => void navigate({ to: '/mailings/$id', params: { id: String(id) } });
  const openRow = (m: Mailing) =>
    opensInView(m.state)
      ? void navigate({ to: '/mailings/$id/view', params: { id: String(m.id) }, search: {} })
      : openMailing(m.id);
  const copy = useMutation({
    mutationFn: (id: number) =>
      call<Mailing>(() => api.POST('/api/v1/mailings/{id}/copy', { params: { path: { id } }, body: {} })),
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
  const reload = useMutation({
    mutationFn: (m: Mailing) => reloadAndResend(m.id),
    onSuccess: async (answer, m) => {
      await queryClient.invalidateQueries({ queryKey: ['mailings'] });
      notify({
        color: 'green',
        message: `“${m.name}” is sending to ${format.number(answer.recipients)} new ${answer.recipients === 1 ? 'recipient' : 'recipients'}`,
      });
    },
    onError: failed('Reload and resend did not start'),
  });
  const confirmReload = (m: Mailing) =>
    modals.openConfirmModal({
      title: 'Reload and resend?',
      closeButtonProps: { 'aria-label': 'Close' },
      children: (
        <Text size="sm">
          The recipient sources of “{m.name}” are read again, and everyone who is new in them gets the mailing
          now. Those who got it already do not get it again.
        </Text>
      ),
      labels: { confirm: 'Reload and resend', cancel: 'Cancel' },
      onConfirm: () => reload.mutate(m),
    });
  const confirmDelete = (m: Mailing) =>
    modals.openConfirmModal({
      title: 'Delete this draft?',
      closeButtonProps: { 'aria-label': 'Close' },
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

  const recent = search.view === 'recent';
  const page = search.page ?? 1;
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / mailingsPageSize));
  const first = (page - 1) * mailingsPageSize + 1;
  const last = Math.min(total, page * mailingsPageSize);
  const filtered = Boolean(search.q || search.channel || search.state);
  const rows = list.data ? (recent ? recentlyChanged(list.data.items) : list.data.items) : undefined;
  const allFolders = folders.data?.items ?? [];
  const folderName = search.folder ? folderPath(allFolders, search.folder) : '';

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
      <NewMailingModal opened={creating} onClose={newMailing.close} folderId={search.folder} />
      {moving && <MoveToFolderModal mailing={moving} onClose={() => setMoving(null)} />}
      {toTemplate && <CopyToTemplateModal mailing={toTemplate} onClose={() => setToTemplate(null)} />}

      <Flex direction={{ base: 'column', md: 'row' }} gap="lg" align="flex-start">
        {canEdit && <MailingFolderTree selected={search.folder} />}
        <Stack gap="lg" style={{ flex: 1, minWidth: 0 }} w="100%">
          {search.folder !== undefined && (
            <Title order={2} size="h4">
              {folderName ? `Folder: ${folderName}` : 'Folder'}
            </Title>
          )}
          <Group gap="sm" align="flex-end" wrap="wrap">
            <Stack gap={4}>
              <Text size="sm" fw={500} id="mailings-view">
                Show
              </Text>
              <SegmentedControl
                aria-labelledby="mailings-view"
                data={[
                  { value: 'all', label: 'All' },
                  { value: 'recent', label: 'Recent' },
                ]}
                value={recent ? 'recent' : 'all'}
                onChange={(v) => setSearch({ view: v === 'recent' ? 'recent' : undefined })}
              />
            </Stack>
            <TextInput
              label="Search"
              placeholder="Name of the mailing"
              leftSection={<IconSearch size={16} aria-hidden />}
              value={q}
              onChange={(e) => {
                setQ(e.currentTarget.value);
                searchLater(e.currentTarget.value);
              }}
              w={{ base: '100%', xs: 240 }}
              type="search"
            />
            <Select
              label="Channel"
              placeholder="All channels"
              data={channelOptions}
              value={search.channel ?? null}
              onChange={(v) => setSearch({ channel: (v as Channel | null) ?? undefined })}
              clearable
              w={{ base: '100%', xs: 160 }}
            />
            <Select
              label="State"
              placeholder="All states"
              data={stateOptions}
              value={search.state ?? null}
              onChange={(v) => setSearch({ state: (v as MailingState | null) ?? undefined })}
              clearable
              w={{ base: '100%', xs: 160 }}
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
              {/* positioned: the hidden Actions header (absolute) is clipped with the rest, not
                  widening the page on a phone */}
              <Table.ScrollContainer minWidth={760} type="native" pos="relative">
                <Table
                  verticalSpacing="sm"
                  horizontalSpacing="md"
                  highlightOnHover
                  aria-busy={list.isFetching}
                  aria-label="Mailings"
                >
                  <Table.Thead>
                    <Table.Tr>
                      {/* the name takes what is left (the other cells do not wrap); a state badge is never cut */}
                      <Table.Th miw={180}>Name</Table.Th>
                      <Table.Th>Channel</Table.Th>
                      <Table.Th miw={110}>State</Table.Th>
                      <Table.Th>Results</Table.Th>
                      <Table.Th>Last changed</Table.Th>
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
                    {rows?.map((m) => (
                      <Table.Tr key={m.id} onClick={() => openRow(m)} style={{ cursor: 'pointer' }}>
                        <Table.Td>
                          <Link
                            to={opensInView(m.state) ? '/mailings/$id/view' : '/mailings/$id'}
                            params={{ id: String(m.id) }}
                            style={{
                              fontWeight: 600,
                              fontSize: 'var(--mantine-font-size-sm)',
                              color: 'inherit',
                            }}
                            onClick={(e) => e.stopPropagation()}
                          >
                            {m.name}
                          </Link>
                          {m.folderId !== null && m.folderId !== search.folder && allFolders.length > 0 && (
                            <Text size="xs" c="dimmed">
                              in {folderPath(allFolders, m.folderId)}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          <Group gap={6} wrap="nowrap">
                            {channelIcons[m.channel]}
                            <Text size="sm">{channelLabels[m.channel]}</Text>
                          </Group>
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          <Badge
                            color={stateColors[m.state]}
                            // the light variant's text is under 4.5:1 on its tint (green and orange even at
                            // shade 9): shade 9 darkened passes WCAG AA and keeps the state's hue
                            styles={{ label: { color: badgeText(stateColors[m.state]) } }}
                            variant="light"
                            radius="sm"
                          >
                            {stateLabels[m.state]}
                          </Badge>
                          {m.state === 'sending' && <SendingProgress id={m.id} name={m.name} />}
                          {m.state === 'scheduled' && m.scheduledAt !== null && (
                            <Text size="xs" c="dimmed" mt={2}>
                              for {format.dateTime(m.scheduledAt)}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          {hasResults(m.state) ? (
                            <Results mailing={m} />
                          ) : (
                            <Text size="sm" c="dimmed">
                              –
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          <Text size="sm">{format.dateTime(m.updatedAt)}</Text>
                        </Table.Td>
                        <Table.Td onClick={(e) => e.stopPropagation()}>
                          <Menu position="bottom-end" withinPortal>
                            <Menu.Target>
                              <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${m.name}`}>
                                <IconDots size={18} />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              <Menu.Item
                                leftSection={<IconCopy size={16} />}
                                onClick={() => copy.mutate(m.id)}
                              >
                                Copy
                              </Menu.Item>
                              {canEdit && (
                                <Menu.Item
                                  leftSection={<IconTemplate size={16} />}
                                  onClick={() => setToTemplate(m)}
                                >
                                  {/* PRODUCT's "copy mailing to template", named without "Copy" so the Copy above stays the one item a name search for Copy finds */}
                                  Save as template…
                                </Menu.Item>
                              )}
                              {/* the API changes a mailing's folder only while it can be edited; a
                              scheduled one would go back to draft, so only drafts move */}
                              {canEdit && m.state === 'draft' && (
                                <Menu.Item
                                  leftSection={<IconFolderShare size={16} />}
                                  onClick={() => setMoving(m)}
                                >
                                  Move to folder…
                                </Menu.Item>
                              )}
                              {canSend && (m.state === 'finished' || m.state === 'stopped') && (
                                <Menu.Item
                                  leftSection={<IconRefresh size={16} />}
                                  onClick={() => confirmReload(m)}
                                >
                                  Reload and resend
                                </Menu.Item>
                              )}
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
                            {filtered
                              ? 'No mailing matches this search.'
                              : search.folder !== undefined
                                ? 'No mailings in this folder.'
                                : 'No mailings yet.'}
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
                {recent
                  ? `The ${format.number(rows?.length ?? 0)} ${rows?.length === 1 ? 'mailing' : 'mailings'} changed last`
                  : total <= mailingsPageSize
                    ? `${format.number(total)} ${total === 1 ? 'mailing' : 'mailings'}`
                    : `${format.number(first)}–${format.number(last)} of ${format.number(total)} mailings`}
              </Text>
              {pages > 1 && !recent && (
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
      </Flex>
    </Stack>
  );
}

/** A sending mailing's progress (polled while it sends). */
function SendingProgress({ id, name }: { id: number; name: string }) {
  const progress = useQuery(progressQuery(id));
  const format = useFormat();
  const queryClient = useQueryClient();
  const p = progress.data;
  const ended = p !== undefined && p.state !== 'sending';
  // it finished or was stopped: the row's state badge follows
  useEffect(() => {
    if (ended) void queryClient.invalidateQueries({ queryKey: ['mailings', 'list'] });
  }, [ended, queryClient]);
  if (!p || p.total === 0) return null;
  // what is left is what the ledger still has ready or sending (as the API counts it)
  const done = p.total - (p.byState.ready ?? 0) - (p.byState.sending ?? 0);
  const percent = Math.min(100, Math.max(0, (done / p.total) * 100));
  return (
    <Progress
      value={percent}
      size="sm"
      mt={4}
      w={120}
      aria-label={`${name}: ${format.number(Math.round(percent))} % sent`}
    />
  );
}

/** A sent mailing's numbers: sent of recipients, and for e-mail the open and click rates (of the delivered). */
function Results({ mailing }: { mailing: Mailing }) {
  const format = useFormat();
  const results = useQuery(resultsQuery(mailing.id, mailing.state === 'sending'));
  if (results.isPending) return <Skeleton height={12} width={90} radius="sm" />;
  if (results.isError) {
    const e = toApiError(results.error);
    return (
      <Text size="xs" c="red.9" title={e.message}>
        Not loaded ({e.code})
      </Text>
    );
  }
  const r = results.data;
  const tracked = mailing.channel === 'email' || mailing.channel === 'formResponse';
  return (
    <>
      <Text size="sm">
        {format.number(r.sent)} sent of {format.number(r.recipients)}
      </Text>
      {tracked && (
        <Text size="xs" c="dimmed">
          Opened {percent(r.rates.open, format.locale)} · Clicked {percent(r.rates.click, format.locale)}
        </Text>
      )}
    </>
  );
}
