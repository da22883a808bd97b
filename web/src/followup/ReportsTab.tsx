import { Box, Group, Paper, SimpleGrid, Skeleton, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { ErrorState } from '../app/ErrorState';
import { useFormat } from '../format/FormatContext';
import { recipientStatusLabels } from '../mailings/labels';
import { linksQuery, reportsQuery, summaryQuery } from './api';
import { useViewMailing } from './context';
import { barPercent, clicksPerLinkRows, hourLabel, nonEmptyHours } from './reports';

/** A horizontal bar drawn in CSS (the number beside it is the text screen readers read). */
function Bar({ value, max, color = 'blue.7' }: { value: number; max: number; color?: string }) {
  return (
    <Box
      aria-hidden
      h={10}
      w={`${barPercent(value, max)}%`}
      miw={value > 0 ? 2 : 0}
      bg={color}
      style={{ borderRadius: 3 }}
    />
  );
}

function BarCell({ value, max, color }: { value: number; max: number; color?: string }) {
  const format = useFormat();
  return (
    <Group gap="xs" wrap="nowrap">
      <Text size="sm" w={56} ta="right">
        {format.number(value)}
      </Text>
      <Box style={{ flex: 1 }} miw={80}>
        <Bar value={value} max={max} {...(color ? { color } : {})} />
      </Box>
    </Group>
  );
}

/**
 * Reports: clicks per link, opens and clicks per hour over the first 48 hours, recipients by
 * status, reads by client family. Charts are tables with CSS bars (no chart library: the numbers
 * stay readable to everyone), with a switch that adds machine clicks.
 */
export function ReportsTab() {
  const { mailing, search, setSearch } = useViewMailing();
  const format = useFormat();
  const reports = useQuery(reportsQuery(mailing.id));
  const links = useQuery(linksQuery(mailing.id));
  const summary = useQuery(summaryQuery(mailing.id));
  const machine = search.machine === true;

  if (reports.isError)
    return (
      <ErrorState
        error={reports.error}
        onRetry={() => void reports.refetch()}
        title="The reports could not be loaded"
      />
    );
  const r = reports.data;
  if (!r) return <Skeleton height={320} aria-label="Loading the reports" />;

  const perLink = clicksPerLinkRows(r.clicksPerLink, links.data?.items ?? [], machine);
  const maxLink = Math.max(0, ...perLink.map((l) => l.clicks));
  const hours = nonEmptyHours(r.perHour);
  const maxHour = Math.max(0, ...hours.flatMap((h) => [h.opens, h.clicks]));
  const statuses = Object.entries(r.byStatus).sort((a, b) => b[1] - a[1]);
  const maxStatus = Math.max(0, ...statuses.map(([, n]) => n));
  const maxClient = Math.max(0, ...r.readsByClient.map((c) => c.reads));

  return (
    <Stack gap="xl">
      <Switch
        label="Count machine events too (link scanners, privacy proxies)"
        checked={machine}
        onChange={(e) =>
          setSearch({ machine: e.currentTarget.checked ? true : undefined }, { replace: true })
        }
      />
      {machine && summary.data && (
        <Text size="sm" c="dimmed">
          Machines opened it {format.number(summary.data.opens.machine)} times and clicked{' '}
          {format.number(summary.data.clicks.machine)} times; the opens and clicks per hour are people's only.
        </Text>
      )}

      <section aria-labelledby="per-link-title">
        <Title order={2} size="h4" mb="sm" id="per-link-title">
          Clicks per link
        </Title>
        <Paper withBorder radius="md">
          <Table aria-labelledby="per-link-title">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Link</Table.Th>
                <Table.Th w="45%">{machine ? 'Clicks (people and machines)' : 'Clicks by people'}</Table.Th>
                <Table.Th ta="right">Unique</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {perLink.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={3}>
                    <Text size="sm" c="dimmed">
                      No tracked links.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {perLink.map((l) => (
                <Table.Tr key={l.n}>
                  <Table.Td maw={320}>
                    <Text size="sm" truncate="end">
                      {l.n}. {l.name || l.url}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <BarCell value={l.clicks} max={maxLink} />
                  </Table.Td>
                  <Table.Td ta="right">{format.number(l.uniqueClicks)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      </section>

      <section aria-labelledby="per-hour-title">
        <Title order={2} size="h4" mb={4} id="per-hour-title">
          Opens and clicks per hour, first 48 hours
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          {r.firstSentAt !== null
            ? `Hours counted from the first message, ${format.dateTime(r.firstSentAt)}. People only; hours without any event are left out.`
            : 'Nothing sent yet.'}
        </Text>
        <Paper withBorder radius="md">
          <Table aria-labelledby="per-hour-title">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={160}>Hour</Table.Th>
                <Table.Th>Opens</Table.Th>
                <Table.Th>Clicks</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {hours.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={3}>
                    <Text size="sm" c="dimmed">
                      No opens or clicks yet.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {hours.map((h) => (
                <Table.Tr key={h.hour}>
                  <Table.Td>
                    <Text size="sm">{hourLabel(h.hour, r.firstSentAt, format.dateTime)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <BarCell value={h.opens} max={maxHour} color="teal.8" />
                  </Table.Td>
                  <Table.Td>
                    <BarCell value={h.clicks} max={maxHour} color="blue.7" />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      </section>

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <section aria-labelledby="by-status-title">
          <Title order={2} size="h4" mb="sm" id="by-status-title">
            Recipients by status
          </Title>
          <Paper withBorder radius="md">
            <Table aria-labelledby="by-status-title">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Status</Table.Th>
                  <Table.Th w="60%">Recipients</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {statuses.map(([status, n]) => (
                  <Table.Tr key={status}>
                    <Table.Td>{recipientStatusLabels[status] ?? status}</Table.Td>
                    <Table.Td>
                      <BarCell value={n} max={maxStatus} color="gray.6" />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
        </section>
        <section aria-labelledby="by-client-title">
          <Title order={2} size="h4" mb="sm" id="by-client-title">
            Reads by e-mail client
          </Title>
          <Paper withBorder radius="md">
            <Table aria-labelledby="by-client-title">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Client</Table.Th>
                  <Table.Th w="60%">Readers</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.readsByClient.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={2}>
                      <Text size="sm" c="dimmed">
                        Nobody has read it yet.
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {r.readsByClient.map((c) => (
                  <Table.Tr key={c.client}>
                    <Table.Td>{c.client}</Table.Td>
                    <Table.Td>
                      <BarCell value={c.reads} max={maxClient} color="grape.7" />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
        </section>
      </SimpleGrid>
    </Stack>
  );
}
