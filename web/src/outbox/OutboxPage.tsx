import {
  Anchor,
  Badge,
  Box,
  Button,
  Flex,
  Group,
  Pagination,
  Paper,
  SegmentedControl,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconDownload, IconInbox, IconRefresh } from '@tabler/icons-react';
import { useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { toApiError } from '../api/errors';
import { ErrorState } from '../app/ErrorState';
import { meQuery } from '../auth/api';
import { useFormat } from '../format/FormatContext';
import { emailAccountsQuery, smsGatewaysQuery } from '../settings/api';
import { outboxQuery } from './api';
import { type ChannelFilter, messageTitle, messageUrls, outboxNotice, outboxPageSize } from './outbox';
import type { OutboxItem } from './types';

/** The dev outbox: what was "sent" while no relay is set, newest first; one opens in a sandboxed frame. */
export function OutboxPage() {
  useDocumentTitle('Outbox · Posthorn');
  const format = useFormat();
  const { data: me } = useSuspenseQuery(meQuery);
  const [page, setPage] = useState(1);
  const [channel, setChannel] = useState<ChannelFilter>('all');
  const [open, setOpen] = useState<OutboxItem | null>(null);
  const list = useQuery(outboxQuery(page, channel));
  // whether a relay is set is known only to those who may read the settings
  const canReadSettings = me.rights.includes('manageSettings');
  const accounts = useQuery({ ...emailAccountsQuery, enabled: canReadSettings });
  const gateways = useQuery({ ...smsGatewaysQuery, enabled: canReadSettings });
  const notice = outboxNotice(
    accounts.data ? accounts.data.items.filter((a) => a.active).length : null,
    gateways.data ? gateways.data.items.filter((g) => g.active).length : null,
  );

  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / outboxPageSize));

  return (
    <Stack gap="lg" maw={1400}>
      <Group justify="space-between" wrap="wrap">
        <Title order={1} size="h2">
          Outbox
        </Title>
        <Button
          variant="default"
          leftSection={<IconRefresh size={16} aria-hidden />}
          onClick={() => void list.refetch()}
          loading={list.isFetching && !list.isPending}
        >
          Refresh
        </Button>
      </Group>
      {/* dark text on a pale background: a light Alert's coloured title and links are below 4.5:1 */}
      <Paper
        withBorder
        radius="md"
        p="md"
        bg={notice.relaySet ? 'blue.0' : 'yellow.0'}
        component="section"
        aria-label="What the outbox is"
      >
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <IconInbox size={22} aria-hidden style={{ flexShrink: 0 }} />
          <Stack gap={4}>
            <Text fw={700} size="sm">
              {notice.title}
            </Text>
            <Text size="sm">{notice.body}</Text>
            {!notice.relaySet && (
              <Text size="sm">
                Open a message to see it as its recipient would.
                {canReadSettings && (
                  <>
                    {' '}
                    To send for real, add an account under{' '}
                    <Anchor
                      component={Link}
                      to="/settings/email-accounts"
                      size="sm"
                      c="blue.9"
                      underline="always"
                    >
                      Settings › E-mail accounts
                    </Anchor>
                    .
                  </>
                )}
              </Text>
            )}
          </Stack>
        </Group>
      </Paper>

      <SegmentedControl
        aria-label="Channel"
        value={channel}
        onChange={(v) => {
          setChannel(v as ChannelFilter);
          setPage(1);
        }}
        data={[
          { value: 'all', label: 'All' },
          { value: 'email', label: 'E-mail' },
          { value: 'sms', label: 'SMS' },
        ]}
        w={{ base: '100%', xs: 300 }}
      />

      <Flex gap="lg" direction={{ base: 'column', md: 'row' }} align="flex-start">
        <Box style={{ flex: 1, minWidth: 0 }} w="100%">
          {list.isError && !list.data ? (
            <ErrorState
              error={list.error}
              onRetry={() => void list.refetch()}
              title={toApiError(list.error).status === 0 ? undefined : 'The outbox could not be loaded'}
            />
          ) : (
            <Paper withBorder radius="md">
              <Table.ScrollContainer minWidth={420} type="native">
                <Table
                  verticalSpacing="sm"
                  horizontalSpacing="md"
                  highlightOnHover
                  aria-label="Captured messages"
                  aria-busy={list.isFetching}
                >
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th w={130}>Time</Table.Th>
                      <Table.Th>Message</Table.Th>
                      <Table.Th w={110}>Mailing</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.isPending &&
                      Array.from({ length: 4 }, (_, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
                        <Table.Tr key={i}>
                          <Table.Td colSpan={3}>
                            <Skeleton height={14} radius="sm" />
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    {list.data?.items.map((m) => (
                      <Table.Tr key={m.id} {...(open?.id === m.id ? { bg: 'gray.1' } : {})}>
                        <Table.Td>
                          <Text size="sm">{format.dateTime(m.createdAt)}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Anchor
                            component="button"
                            type="button"
                            size="sm"
                            fw={600}
                            ta="left"
                            onClick={() => setOpen(m)}
                            aria-label={`Open ${messageTitle(m)} to ${m.address}`}
                          >
                            {messageTitle(m)}
                          </Anchor>
                          <Text size="sm" style={{ wordBreak: 'break-all' }}>
                            to {m.address}
                          </Text>
                          <Group gap={4} mt={2}>
                            <Badge size="xs" variant="dot" color={m.channel === 'sms' ? 'grape' : 'blue'}>
                              {m.channel === 'sms' ? 'SMS' : 'E-mail'}
                            </Badge>
                            {m.test && (
                              <Badge size="xs" variant="dot" color="orange">
                                Test
                              </Badge>
                            )}
                            {open?.id === m.id && (
                              <Text size="xs" c="dimmed">
                                shown on the right
                              </Text>
                            )}
                          </Group>
                        </Table.Td>
                        <Table.Td>
                          {m.mailingId === null ? (
                            <Text size="sm" c="dimmed">
                              —
                            </Text>
                          ) : (
                            <Anchor component={Link} to={`/mailings/${m.mailingId}`} size="sm">
                              Mailing {m.mailingId}
                            </Anchor>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                    {list.data && list.data.items.length === 0 && (
                      <Table.Tr>
                        <Table.Td colSpan={3}>
                          <Text ta="center" c="dimmed" py="lg" size="sm">
                            {channel === 'all'
                              ? 'The outbox is empty. A test send or a mailing sent without a relay lands here.'
                              : 'No messages of this channel.'}
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
            <Box mt="sm">
              <ErrorState
                error={list.error}
                onRetry={() => void list.refetch()}
                title="The list could not be updated"
              />
            </Box>
          )}
          {list.data && total > 0 && (
            <Group justify="space-between" mt="sm" wrap="wrap" gap="sm">
              <Text size="sm" c="dimmed" aria-live="polite">
                {format.number(total)} {total === 1 ? 'message' : 'messages'}, newest first
              </Text>
              {pages > 1 && (
                <Pagination
                  total={pages}
                  value={page}
                  onChange={setPage}
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
        </Box>
        <Box style={{ flex: 1, minWidth: 0, position: 'sticky', top: 76 }} w="100%">
          <MessageView item={open} />
        </Box>
      </Flex>
    </Stack>
  );
}

function MessageView({ item }: { item: OutboxItem | null }) {
  const format = useFormat();
  if (!item)
    return (
      <Paper withBorder radius="md" p="lg" h="100%">
        <Text c="dimmed" size="sm" ta="center">
          Pick a message to see it here.
        </Text>
      </Paper>
    );
  const urls = messageUrls(item.id);
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Opened message">
      <Stack gap="sm">
        <Stack gap={2}>
          <Title order={2} size="h4" style={{ wordBreak: 'break-word' }}>
            {messageTitle(item)}
          </Title>
          <Text size="sm">To {item.address}</Text>
          <Text size="xs" c="dimmed">
            Captured {format.dateTime(item.createdAt)}
            {item.envelopeFrom ? ` · return path ${item.envelopeFrom}` : ''}
          </Text>
        </Stack>
        {/* the mailing's own HTML: in a frame that runs nothing (the server also sends a sandbox CSP) */}
        <iframe
          key={item.id}
          sandbox=""
          src={urls.html}
          title={`Message to ${item.address}`}
          style={{
            width: '100%',
            height: 560,
            border: '1px solid var(--mantine-color-gray-3)',
            borderRadius: 6,
            background: 'white',
          }}
        />
        <Group gap="sm">
          <Button
            component="a"
            href={urls.raw}
            download={`message-${item.id}.eml`}
            variant="default"
            size="xs"
            leftSection={<IconDownload size={14} aria-hidden />}
          >
            Raw message (.eml)
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
