import {
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { ErrorState } from '../app/ErrorState';
import { useFormat } from '../format/FormatContext';
import { summaryQuery } from './api';
import { useViewMailing } from './context';
import { RecipientsViewLink } from './RecipientsViewLink';
import { SendingPanel } from './SendingPanel';
import { type Counter, counters, detailCounters, formatRate, rateExplanation, rates } from './summary';

const cardLink = {
  display: 'block',
  color: 'inherit',
  textDecoration: 'none',
  borderRadius: 'var(--mantine-radius-md)',
} as const;

/** A counter: label and number; the whole card links to the recipients it counts. */
function CounterCard({ counter, size = 'lg' }: { counter: Counter; size?: 'lg' | 'sm' }) {
  const format = useFormat();
  const hintId = `hint-${counter.key}`;
  return (
    <Tooltip label={counter.hint} events={{ hover: true, focus: true, touch: true }} multiline w={260}>
      <RecipientsViewLink view={counter.view} style={cardLink} aria-describedby={hintId}>
        <Paper withBorder p={size === 'lg' ? 'md' : 'sm'} radius="md" h="100%">
          <Text size="sm" c="dimmed" fw={500}>
            {counter.label}
          </Text>
          <Text fz={size === 'lg' ? 28 : 20} fw={700} c="blue.9" data-testid={`count-${counter.key}`}>
            {format.number(counter.value)}
          </Text>
          <VisuallyHidden id={hintId}>{counter.hint}. Opens the list of these recipients.</VisuallyHidden>
        </Paper>
      </RecipientsViewLink>
    </Tooltip>
  );
}

/** Summary: the counters and rates, each number a link to its recipients; live while sending. */
export function SummaryTab() {
  const { mailing } = useViewMailing();
  const format = useFormat();
  const summary = useQuery(summaryQuery(mailing.id));

  if (summary.isError && !summary.data)
    return (
      <ErrorState
        error={summary.error}
        onRetry={() => void summary.refetch()}
        title="The numbers could not be loaded"
      />
    );
  const s = summary.data;
  if (!s)
    return (
      <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} aria-busy="true" aria-label="Loading the numbers">
        {Array.from({ length: 9 }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
          <Skeleton key={i} height={84} radius="md" />
        ))}
      </SimpleGrid>
    );

  const details = detailCounters(s);
  return (
    <Stack gap="xl">
      <SendingPanel />

      <section aria-labelledby="counters-title">
        <Title order={2} size="h4" mb="sm" id="counters-title">
          Recipients
        </Title>
        <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} spacing="sm">
          {counters(s).map((c) => (
            <CounterCard key={c.key} counter={c} />
          ))}
        </SimpleGrid>
      </section>

      <section aria-labelledby="rates-title">
        <Title order={2} size="h4" mb={4} id="rates-title">
          Rates
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Point at a rate (or move to it with the keyboard) to see what it divides.
        </Text>
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm">
          {rates(s).map((r) => {
            const explanation = rateExplanation(r, format.number);
            const id = `rate-${r.key}`;
            return (
              <Tooltip key={r.key} label={explanation} events={{ hover: true, focus: true, touch: true }}>
                <RecipientsViewLink view={r.view} style={cardLink} aria-describedby={id}>
                  <Paper withBorder p="md" radius="md" h="100%">
                    <Text size="sm" c="dimmed" fw={500}>
                      {r.label}
                    </Text>
                    <Text fz={28} fw={700} c="blue.9" data-testid={`rate-${r.key}`}>
                      {formatRate(r.value, format.locale)}
                    </Text>
                    <Text size="xs" c="dimmed" id={id}>
                      {explanation}
                    </Text>
                  </Paper>
                </RecipientsViewLink>
              </Tooltip>
            );
          })}
        </SimpleGrid>
      </section>

      {details.length > 0 && (
        <section aria-labelledby="details-title">
          <Title order={2} size="h4" mb="sm" id="details-title">
            Bounced and blocked, by reason
          </Title>
          <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} spacing="sm">
            {details.map((c) => (
              <CounterCard key={c.key} counter={c} size="sm" />
            ))}
          </SimpleGrid>
        </section>
      )}

      <section aria-labelledby="events-title">
        <Title order={2} size="h4" mb={4} id="events-title">
          Opens and clicks
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Machine events (privacy proxies such as Apple Mail's, link scanners) are counted apart: they are not
          people reading.
        </Text>
        <Paper withBorder radius="md" maw={520}>
          <Table aria-label="Opens and clicks by people and machines">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Event</Table.Th>
                <Table.Th ta="right">By people</Table.Th>
                <Table.Th ta="right">By machines</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th scope="row" fw={400}>
                  Opens
                </Table.Th>
                <Table.Td ta="right">{format.number(s.opens.human)}</Table.Td>
                <Table.Td ta="right">{format.number(s.opens.machine)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row" fw={400}>
                  Clicks
                </Table.Th>
                <Table.Td ta="right">{format.number(s.clicks.human)}</Table.Td>
                <Table.Td ta="right">{format.number(s.clicks.machine)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Paper>
      </section>
    </Stack>
  );
}
