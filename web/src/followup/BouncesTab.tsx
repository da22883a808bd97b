import {
  ActionIcon,
  Alert,
  Code,
  Group,
  Menu,
  Pagination,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { IconDots } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { asSentence, toApiError } from '../api/errors';
import { ErrorState } from '../app/ErrorState';
import { useFormat } from '../format/FormatContext';
import { type BlockedAction, blockedAddressAction, bouncesQuery } from './api';
import { blockedActionWords, bounceKind } from './bounces';
import { can, useViewMailing } from './context';
import { DarkBadge } from './DarkBadge';
import { recipientsPageSize } from './search';

/** Bounces: bounced and complained recipients with kind, code and reason; the blocked-address actions. */
export function BouncesTab() {
  const { mailing, me, search, setSearch, refresh } = useViewMailing();
  const format = useFormat();
  const page = search.page ?? 1;
  const bounces = useQuery(bouncesQuery(mailing.id, page));
  const [done, setDone] = useState<string | null>(null);
  const act = useMutation({
    mutationFn: ({ what, address }: { what: BlockedAction; address: string }) =>
      blockedAddressAction(what, address),
    onSuccess: async (answer, { what, address }) => {
      setDone(blockedActionWords[what].done(address, answer?.persons ?? null));
      await refresh();
    },
  });
  const error = act.error ? toApiError(act.error) : null;

  if (bounces.isError && !bounces.data)
    return (
      <ErrorState
        error={bounces.error}
        onRetry={() => void bounces.refetch()}
        title="The bounces could not be loaded"
      />
    );
  const items = bounces.data?.items ?? [];
  const total = bounces.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / recipientsPageSize));

  const confirm = (what: BlockedAction, address: string) =>
    modals.openConfirmModal({
      title: blockedActionWords[what].title,
      children: <Text size="sm">{blockedActionWords[what].body(address)}</Text>,
      labels: { confirm: blockedActionWords[what].confirm, cancel: 'Cancel' },
      confirmProps: what === 'delete-address' ? { color: 'red.9' } : {},
      onConfirm: () => {
        setDone(null);
        act.mutate({ what, address });
      },
    });

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        A hard bounce or a complaint blocks the address for every mailing. Clear the block only when you know
        the address works again.
      </Text>
      {done && (
        <Alert
          color="green"
          variant="light"
          role="status"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => setDone(null)}
        >
          <Text size="sm" c="green.9">
            {done}
          </Text>
        </Alert>
      )}
      {error && (
        <Alert color="red" variant="light" role="alert" title="That did not work">
          <Text size="sm">
            {asSentence(error.message)} <Code>{error.code}</Code>
          </Text>
        </Alert>
      )}
      <Paper withBorder radius="md">
        <Table.ScrollContainer minWidth={860} type="native">
          <Table aria-label="Bounces and complaints" verticalSpacing="sm" aria-busy={bounces.isFetching}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Address</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Code</Table.Th>
                <Table.Th>Reason given</Table.Th>
                {can(me, 'editCrm') && <Table.Th>Actions</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {bounces.isPending && (
                <Table.Tr>
                  <Table.Td colSpan={6}>
                    <Skeleton height={14} />
                  </Table.Td>
                </Table.Tr>
              )}
              {bounces.data && items.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={6}>
                    <Text size="sm" c="dimmed" ta="center" py="md">
                      No bounce and no complaint: every message that was sent was accepted.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {items.map((r) => {
                const kind = bounceKind(r.status, r.reason);
                return (
                  <Table.Tr key={r.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {r.name || '—'}
                      </Text>
                      {r.companyName && (
                        <Text size="xs" c="dimmed">
                          {r.companyName}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{r.address ?? '—'}</Table.Td>
                    <Table.Td>
                      <DarkBadge color={kind.color}>{kind.label}</DarkBadge>
                    </Table.Td>
                    <Table.Td>{r.bounceCode ? <Code>{r.bounceCode}</Code> : '—'}</Table.Td>
                    <Table.Td maw={320}>
                      <Text size="sm" style={{ wordBreak: 'break-word' }}>
                        {r.bounceDiagnostic ?? '—'}
                      </Text>
                    </Table.Td>
                    {can(me, 'editCrm') && (
                      <Table.Td>
                        {r.address && (
                          <Menu position="bottom-end">
                            <Menu.Target>
                              <ActionIcon
                                variant="subtle"
                                color="gray"
                                aria-label={`Address actions for ${r.address}`}
                                loading={act.isPending && act.variables?.address === r.address}
                              >
                                <IconDots size={18} />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              {(['clear', 'former-employee', 'delete-address'] as const).map((what) => (
                                <Menu.Item
                                  key={what}
                                  {...(what === 'delete-address' ? { color: 'red.9' } : {})}
                                  onClick={() => confirm(what, r.address as string)}
                                >
                                  {blockedActionWords[what].menu}
                                </Menu.Item>
                              ))}
                            </Menu.Dropdown>
                          </Menu>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      {pages > 1 && (
        <Group justify="flex-end">
          <Pagination
            total={pages}
            value={page}
            onChange={(p) => setSearch({ page: p })}
            getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
          />
        </Group>
      )}
      {total > 0 && (
        <Text size="sm" c="dimmed">
          {format.number(total)} {total === 1 ? 'recipient' : 'recipients'} bounced or complained.
        </Text>
      )}
    </Stack>
  );
}
