import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Chip,
  Code,
  Group,
  Menu,
  Pagination,
  Paper,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { IconChevronDown, IconDownload, IconSend, IconUsersPlus } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { asSentence, toApiError } from '../api/errors';
import { ErrorState } from '../app/ErrorState';
import { useFormat } from '../format/FormatContext';
import { recipientStatusLabels } from '../mailings/labels';
import { AddToModal } from './AddToModal';
import { canResend, pageSelection, type ResendMode, resendWords, toggleOne, togglePage } from './actions';
import { progressQuery, type ResendRequest, recipientsQuery, resend, summaryQuery } from './api';
import { can, useViewMailing } from './context';
import { DarkBadge } from './DarkBadge';
import { SkippedList } from './SkippedList';
import {
  exportHref,
  type FollowupStatus,
  followupStatuses,
  isFiltered,
  recipientsFilter,
  recipientsPageSize,
  statusesOf,
  toggleStatus,
} from './search';
import { isLive, reasonLabel } from './summary';
import type { ResendAnswer } from './types';

const yesNo = (yes: string, no: string) => [
  { value: 'any', label: 'Any' },
  { value: 'yes', label: yes },
  { value: 'no', label: no },
];
const toChoice = (v: boolean | undefined) => (v === undefined ? 'any' : v ? 'yes' : 'no');
const fromChoice = (v: string | null) => (v === 'yes' ? true : v === 'no' ? false : undefined);

/** Status badges: the light variant with dark text (contrast AA). */
const statusColors: Record<string, string> = {
  read: 'green',
  delivered: 'teal',
  sent: 'blue',
  bounced: 'red',
  complained: 'red',
  failed: 'red',
  blocked: 'gray',
  cancelled: 'gray',
};

/** Recipients: 100 a page with combinable filters in the URL, row selection, export, add to, resend. */
export function RecipientsTab() {
  const { mailing, me, search, setSearch, refresh } = useViewMailing();
  const format = useFormat();
  const progress = useQuery(progressQuery(mailing.id));
  // while a round sends, statuses change under the list: reload it now and then (the counters
  // poll every 2 s; a page of 100 rows every 5 s is enough to follow)
  const list = useQuery({
    ...recipientsQuery(mailing.id, search),
    refetchInterval: isLive(progress.data?.state) ? 5000 : false,
  });
  const summary = useQuery(summaryQuery(mailing.id));
  const filterKey = JSON.stringify(recipientsFilter(search));
  // the selection belongs to one filter: another filter starts with none
  const [selection, setSelection] = useState<{ key: string; ids: Set<number> }>({
    key: filterKey,
    ids: new Set(),
  });
  const selected = selection.key === filterKey ? selection.ids : new Set<number>();
  const setSelected = (ids: Set<number>) => setSelection({ key: filterKey, ids });
  const [adding, setAdding] = useState(false);
  const [resent, setResent] = useState<{ mode: ResendMode; answer: ResendAnswer } | null>(null);
  const resending = useMutation({
    mutationFn: (body: ResendRequest) => resend(mailing.id, body),
    onSuccess: async (answer, body) => {
      setResent({ mode: body.mode, answer });
      setSelected(new Set());
      await refresh();
    },
  });

  const statuses = statusesOf(search);
  const present = summary.data?.byStatus ?? {};
  // the statuses that occur in this mailing (and any chosen by the link), in the API's order
  const shown = followupStatuses.filter((s) => (present[s] ?? 0) > 0 || statuses.includes(s));
  const page = search.page ?? 1;
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / recipientsPageSize));
  const items = list.data?.items ?? [];
  const pageIds = items.map((r) => r.id);
  const header = pageSelection(selected, pageIds);
  const resendAllowed = can(me, 'sendMailings') && canResend(mailing.state);

  const confirmResend = (mode: ResendMode) =>
    modals.openConfirmModal({
      title: resendWords[mode].title,
      children: (
        <Text size="sm">
          {resendWords[mode].body}
          {mode === 'selected' ? ` (${format.number(selected.size)} selected)` : ''}
        </Text>
      ),
      labels: { confirm: resendWords[mode].confirm, cancel: 'Cancel' },
      onConfirm: () =>
        resending.mutate(mode === 'selected' ? { mode, recipientIds: [...selected] } : { mode }),
    });
  const resendError = resending.error ? toApiError(resending.error) : null;
  const resendSkipped =
    resendError && Array.isArray(resendError.details.skipped)
      ? (resendError.details.skipped as { reason: string; count: number }[])
      : [];

  return (
    <Stack gap="md">
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Group gap="xs" role="group" aria-label="Status (any of those chosen)">
            <Text size="sm" fw={500} mr={4} aria-hidden>
              Status
            </Text>
            {shown.map((s) => (
              <Chip
                key={s}
                value={s}
                size="sm"
                checked={statuses.includes(s)}
                onChange={() => setSearch({ status: toggleStatus(search, s as FollowupStatus) })}
              >
                {recipientStatusLabels[s] ?? s}
                {present[s] !== undefined ? ` (${format.number(present[s] ?? 0)})` : ''}
              </Chip>
            ))}
          </Group>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <Select
              label="Read"
              data={yesNo('Read', 'Not read')}
              value={toChoice(search.read)}
              onChange={(v) => setSearch({ read: fromChoice(v) })}
              allowDeselect={false}
              w={150}
            />
            <Select
              label="Clicked"
              data={yesNo('Clicked', 'Did not click')}
              value={toChoice(search.clicked)}
              onChange={(v) => setSearch({ clicked: fromChoice(v) })}
              allowDeselect={false}
              w={150}
            />
            <Select
              label="Unsubscribed"
              data={yesNo('Unsubscribed', 'Not unsubscribed')}
              value={toChoice(search.unsubscribed)}
              onChange={(v) => setSearch({ unsubscribed: fromChoice(v) })}
              allowDeselect={false}
              w={170}
            />
            {search.reason && (
              <Badge variant="outline" color="gray" size="lg" radius="sm" tt="none">
                Reason: {reasonLabel(search.reason)}
              </Badge>
            )}
            {isFiltered(search) && (
              <Button
                variant="subtle"
                onClick={() =>
                  setSearch({
                    status: undefined,
                    reason: undefined,
                    read: undefined,
                    clicked: undefined,
                    unsubscribed: undefined,
                  })
                }
              >
                Show all recipients
              </Button>
            )}
          </Group>
        </Stack>
      </Paper>

      <Group justify="space-between" wrap="wrap" gap="sm">
        <Text size="sm" aria-live="polite" data-testid="recipients-total">
          {list.data
            ? `${format.number(total)} ${total === 1 ? 'recipient' : 'recipients'}${isFiltered(search) ? (total === 1 ? ' matches the filter' : ' match the filter') : ''}${selected.size > 0 ? ` · ${format.number(selected.size)} selected` : ''}`
            : 'Loading…'}
        </Text>
        <Group gap="sm">
          <Menu position="bottom-end">
            <Menu.Target>
              <Button variant="default" leftSection={<IconDownload size={16} aria-hidden />}>
                Export
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item component="a" href={exportHref(mailing.id, search, 'csv')} download>
                CSV (the {isFiltered(search) ? 'filtered' : ''} list)
              </Menu.Item>
              <Menu.Item component="a" href={exportHref(mailing.id, search, 'xlsx')} download>
                Excel workbook (XLSX)
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
          {can(me, 'editCrm') && (
            <Button
              variant="default"
              leftSection={<IconUsersPlus size={16} aria-hidden />}
              onClick={() => setAdding(true)}
              disabled={total === 0}
            >
              Add to selection or project
            </Button>
          )}
          {resendAllowed && (
            <Menu position="bottom-end">
              <Menu.Target>
                <Button
                  leftSection={<IconSend size={16} aria-hidden />}
                  rightSection={<IconChevronDown size={14} aria-hidden />}
                  loading={resending.isPending}
                >
                  Send again
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item disabled={selected.size === 0} onClick={() => confirmResend('selected')}>
                  To the selected ({format.number(selected.size)})
                </Menu.Item>
                <Menu.Item onClick={() => confirmResend('nonReaders')}>
                  To those who have not read it
                </Menu.Item>
                <Menu.Item onClick={() => confirmResend('reload')}>
                  Reload the list and send to new ones
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </Group>

      {resendError && (
        <Alert color="red" variant="light" title="Nothing was sent" role="alert">
          <Text size="sm">{asSentence(resendError.message)}</Text>
          <SkippedList skipped={resendSkipped} />
          <Text size="xs" c="dimmed" mt={4}>
            Code <Code>{resendError.code}</Code>
          </Text>
        </Alert>
      )}
      {resent && !resendError && (
        <Alert
          color="green"
          variant="light"
          title={`Round ${resent.answer.round} is sending`}
          role="status"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => setResent(null)}
        >
          <Text size="sm" c="green.9">
            {format.number(resent.answer.recipients)}{' '}
            {resent.answer.recipients === 1 ? 'recipient gets' : 'recipients get'} it again
            {resent.mode === 'nonReaders' ? ' (those who had not read it)' : ''}
            {resent.mode === 'reload' ? ' (new on the list)' : ''}.
          </Text>
          <SkippedList skipped={resent.answer.skipped} />
        </Alert>
      )}

      {list.isError && !list.data ? (
        <ErrorState
          error={list.error}
          onRetry={() => void list.refetch()}
          title="The recipients could not be loaded"
        />
      ) : (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={900} type="native">
            <Table verticalSpacing="xs" aria-label="Recipients" aria-busy={list.isFetching} highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40}>
                    <Checkbox
                      aria-label="Select all on this page"
                      checked={header.checked}
                      indeterminate={header.indeterminate}
                      onChange={() => setSelected(togglePage(selected, pageIds))}
                      disabled={pageIds.length === 0}
                    />
                  </Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Address</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Sent</Table.Th>
                  <Table.Th>Read</Table.Th>
                  <Table.Th ta="right">Opens</Table.Th>
                  <Table.Th ta="right">Clicks</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.isPending &&
                  Array.from({ length: 5 }, (_, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
                    <Table.Tr key={i}>
                      <Table.Td colSpan={8}>
                        <Skeleton height={14} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                {list.data && items.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={8}>
                      <Text size="sm" c="dimmed" ta="center" py="md">
                        No recipient matches this filter.
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {items.map((r) => (
                  <Table.Tr
                    key={r.id}
                    bg={selected.has(r.id) ? 'var(--mantine-color-blue-light)' : 'transparent'}
                  >
                    <Table.Td>
                      <Checkbox
                        aria-label={`Select ${r.name || r.address || `recipient ${r.id}`}`}
                        checked={selected.has(r.id)}
                        onChange={() => setSelected(toggleOne(selected, r.id))}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {r.name || '—'}
                      </Text>
                      {r.companyName && (
                        <Text size="xs" c="dimmed">
                          {r.companyName}
                        </Text>
                      )}
                      {r.kind === 'unregistered' && (
                        <Text size="xs" c="dimmed">
                          Not in the CRM
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{r.address ?? '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <DarkBadge color={statusColors[r.status] ?? 'gray'}>
                        {recipientStatusLabels[r.status] ?? r.status}
                      </DarkBadge>
                      {r.reason && (
                        <Text size="xs" c="dimmed">
                          {reasonLabel(r.reason)}
                        </Text>
                      )}
                      {r.unsubscribedAt !== null && (
                        <Text size="xs" c="dimmed">
                          Unsubscribed {format.dateTime(r.unsubscribedAt)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Text size="sm">{r.sentAt !== null ? format.dateTime(r.sentAt) : '—'}</Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Text size="sm">{r.readAt !== null ? format.dateTime(r.readAt) : '—'}</Text>
                    </Table.Td>
                    <Table.Td ta="right">{format.number(r.opens)}</Table.Td>
                    <Table.Td ta="right">{format.number(r.clicks)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {pages > 1 && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {format.number((page - 1) * recipientsPageSize + 1)}–
            {format.number(Math.min(total, page * recipientsPageSize))} of {format.number(total)}
          </Text>
          <Pagination
            total={pages}
            value={page}
            onChange={(p) => setSearch({ page: p })}
            getControlProps={(control) => ({
              'aria-label':
                control === 'previous' ? 'Previous page' : control === 'next' ? 'Next page' : control,
            })}
            getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
          />
        </Group>
      )}

      <AddToModal
        opened={adding}
        onClose={() => setAdding(false)}
        choices={[
          ...(selected.size > 0
            ? [
                {
                  value: 'selected',
                  label: `The ${format.number(selected.size)} selected`,
                  set: { recipientIds: [...selected] },
                },
              ]
            : []),
          {
            value: 'filter',
            label: isFiltered(search)
              ? `All ${format.number(total)} that match the filter`
              : `All ${format.number(total)} recipients`,
            set: { filter: recipientsFilter(search) },
          },
        ]}
      />
    </Stack>
  );
}
