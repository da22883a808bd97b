import {
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { asSentence, toApiError } from '../api/errors';
import { ErrorState } from '../app/ErrorState';
import { useFormat } from '../format/FormatContext';
import { AddToModal } from './AddToModal';
import { clickersQuery, linksQuery, resetLink } from './api';
import { can, useViewMailing } from './context';
import type { LinkStat } from './types';

/** Red text on a plain button (Mantine's light red is too pale for small text). */
const dangerLabel = { label: { color: '#9b1c1c' } };

const linkName = (l: LinkStat) => l.name || l.url;

/** Who clicked one link, when, how often. */
function Clickers({ link }: { link: LinkStat }) {
  const { mailing } = useViewMailing();
  const format = useFormat();
  const clickers = useQuery(clickersQuery(mailing.id, link.n));
  if (clickers.isError)
    return (
      <ErrorState
        error={clickers.error}
        onRetry={() => void clickers.refetch()}
        title="The clickers could not be loaded"
      />
    );
  const items = clickers.data?.items ?? [];
  const total = clickers.data?.total ?? 0;
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={640} type="native">
        <Table aria-label={`Clickers of link ${link.n}`} aria-busy={clickers.isFetching} verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Address</Table.Th>
              <Table.Th ta="right">Clicks</Table.Th>
              <Table.Th>First click</Table.Th>
              <Table.Th>Last click</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {clickers.isPending && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Skeleton height={14} />
                </Table.Td>
              </Table.Tr>
            )}
            {clickers.data && items.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text size="sm" c="dimmed" ta="center" py="sm">
                    Nobody has clicked this link yet.
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            {items.map((c) => (
              <Table.Tr key={c.recipientId}>
                <Table.Td>{c.name || '—'}</Table.Td>
                <Table.Td>{c.address ?? '—'}</Table.Td>
                <Table.Td ta="right">{format.number(c.clicks)}</Table.Td>
                <Table.Td>{format.dateTime(c.firstAt)}</Table.Td>
                <Table.Td>{format.dateTime(c.lastAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {total > items.length && (
        <Text size="sm" c="dimmed" p="sm">
          The first {format.number(items.length)} of {format.number(total)} clickers.
        </Text>
      )}
    </Paper>
  );
}

/** Links: per tracked link total, unique and machine clicks; clickers; add them to a selection; reset. */
export function LinksTab() {
  const { mailing, me, search, setSearch, refresh } = useViewMailing();
  const format = useFormat();
  const links = useQuery(linksQuery(mailing.id));
  const [adding, setAdding] = useState<LinkStat | null>(null);
  const reset = useMutation({
    mutationFn: (n: number) => resetLink(mailing.id, n),
    onSuccess: () => refresh(),
  });
  const resetError = reset.error ? toApiError(reset.error) : null;

  if (links.isError)
    return (
      <ErrorState
        error={links.error}
        onRetry={() => void links.refetch()}
        title="The links could not be loaded"
      />
    );
  if (!links.data) return <Skeleton height={160} aria-label="Loading the links" />;
  const items = links.data.items;
  if (items.length === 0)
    return (
      <Text size="sm" c="dimmed">
        This mailing has no tracked links.
      </Text>
    );
  const open = items.find((l) => l.n === search.link);

  const confirmReset = (l: LinkStat) =>
    modals.openConfirmModal({
      title: `Reset the clicks of link ${l.n}?`,
      children: (
        <Text size="sm">
          The {format.number(l.clicks)} clicks on “{linkName(l)}” in this mailing and who made them are
          deleted. This cannot be undone.
        </Text>
      ),
      labels: { confirm: 'Reset the clicks', cancel: 'Keep them' },
      confirmProps: { color: 'red.9' },
      onConfirm: () => reset.mutate(l.n),
    });

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        Unique clicks count each person once. Machine clicks (link scanners, clicks within seconds of sending)
        are not in the totals of people.
      </Text>
      {resetError && (
        <Alert color="red" variant="light" role="alert" title="The clicks were not reset">
          <Text size="sm">
            {asSentence(resetError.message)} <Code>{resetError.code}</Code>
          </Text>
        </Alert>
      )}
      <Paper withBorder radius="md">
        <Table.ScrollContainer minWidth={820} type="native">
          <Table aria-label="Tracked links" verticalSpacing="sm" aria-busy={links.isFetching}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={50}>No.</Table.Th>
                <Table.Th>Link</Table.Th>
                <Table.Th ta="right">Clicks</Table.Th>
                <Table.Th ta="right">Unique clicks</Table.Th>
                <Table.Th ta="right">Machine clicks</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((l) => (
                <Table.Tr key={l.n}>
                  <Table.Td>{l.n}</Table.Td>
                  <Table.Td maw={360}>
                    <Text size="sm" fw={500} truncate="end">
                      {linkName(l)}
                    </Text>
                    {l.name && (
                      <Text size="xs" c="dimmed" truncate="end">
                        {l.url}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{format.number(l.clicks)}</Table.Td>
                  <Table.Td ta="right">{format.number(l.uniqueClicks)}</Table.Td>
                  <Table.Td ta="right">{format.number(l.machineClicks)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        variant={open?.n === l.n ? 'filled' : 'default'}
                        aria-pressed={open?.n === l.n}
                        aria-label={`Clickers of link ${l.n}`}
                        onClick={() => setSearch({ link: open?.n === l.n ? undefined : l.n })}
                      >
                        Clickers
                      </Button>
                      {can(me, 'editCrm') && (
                        <Button
                          size="xs"
                          variant="default"
                          aria-label={`Add to selection: the clickers of link ${l.n}`}
                          disabled={l.uniqueClicks === 0}
                          onClick={() => setAdding(l)}
                        >
                          Add to selection
                        </Button>
                      )}
                      {can(me, 'editMailings') && (
                        <Button
                          size="xs"
                          variant="default"
                          styles={dangerLabel}
                          aria-label={`Reset the clicks of link ${l.n}`}
                          disabled={l.clicks === 0 && l.machineClicks === 0}
                          loading={reset.isPending && reset.variables === l.n}
                          onClick={() => confirmReset(l)}
                        >
                          Reset
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>

      {open && (
        <Stack gap="xs">
          <Group justify="space-between">
            <Title order={2} size="h4">
              Who clicked link {open.n}
            </Title>
            <Anchor component="button" type="button" size="sm" onClick={() => setSearch({ link: undefined })}>
              Close
            </Anchor>
          </Group>
          <Text size="sm" c="dimmed" truncate="end">
            {open.url}
          </Text>
          <Clickers link={open} />
        </Stack>
      )}

      {adding && (
        <AddToModal
          opened
          onClose={() => setAdding(null)}
          title={`Add the clickers of link ${adding.n} to a selection`}
          choices={[
            {
              value: 'clickers',
              label: `The ${format.number(adding.uniqueClicks)} ${adding.uniqueClicks === 1 ? 'person' : 'persons'} who clicked “${linkName(adding)}”`,
              set: { clickersOfLink: adding.n },
            },
          ]}
        />
      )}
    </Stack>
  );
}
