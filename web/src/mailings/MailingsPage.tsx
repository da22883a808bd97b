import {
  Badge,
  Group,
  Pagination,
  Paper,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedCallback, useDocumentTitle } from '@mantine/hooks';
import { IconDeviceMobileMessage, IconFileText, IconForms, IconMail, IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { toApiError } from '../api/errors';
import type { Channel, MailingState } from '../api/types';
import { ErrorState } from '../app/ErrorState';
import { mailingsRoute } from '../app/router';
import { useFormat } from '../format/FormatContext';
import { mailingsQuery } from './api';
import { channelLabels, stateColors, stateLabels } from './labels';
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
      <Title order={1} size="h2">
        Mailings
      </Title>

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
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.isPending &&
                  Array.from({ length: 5 }, (_, i) => (
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
                {list.data?.items.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>
                      <Text fw={600} size="sm">
                        {m.name}
                      </Text>
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
                  </Table.Tr>
                ))}
                {list.data && list.data.items.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={5}>
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
