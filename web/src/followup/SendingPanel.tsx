import { Alert, Button, Code, Group, Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { modals } from '@mantine/modals';
import { useMutation, useQuery } from '@tanstack/react-query';
import { asSentence, toApiError } from '../api/errors';
import { useFormat } from '../format/FormatContext';
import { progressQuery, sendingAction } from './api';
import { can, useViewMailing } from './context';
import { progressOf } from './summary';

/**
 * The round being sent: done of total, rate, expected end, why it paused; Stop, Start and
 * Cancel. Polls every 2 s while sending (progressQuery).
 */
export function SendingPanel() {
  const { mailing, me, refresh } = useViewMailing();
  const format = useFormat();
  const progress = useQuery(progressQuery(mailing.id));
  const action = useMutation({
    mutationFn: (what: 'stop' | 'start' | 'cancel') => sendingAction(mailing.id, what),
    onSuccess: () => refresh(),
  });
  const p = progress.data;
  if (!p || (p.state !== 'sending' && p.state !== 'stopped')) return null;
  const { done, percent } = progressOf(p);
  const error = action.error ? toApiError(action.error) : null;
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {p.state === 'sending' ? 'Sending' : 'Stopped'}
            {p.round && p.round > 1 ? ` (round ${p.round})` : ''}
          </Title>
          <Text size="sm" aria-live="polite" data-testid="sending-count">
            {format.number(done)} of {format.number(p.total)} sent
          </Text>
        </Group>
        <Progress value={percent} aria-label="Sent" size="lg" color="blue.8" />
        <Group gap="xl">
          {p.ratePerSecond > 0 && (
            <Text size="sm">{format.number(Math.round(p.ratePerSecond * 60))} messages a minute</Text>
          )}
          {p.state === 'sending' && (
            <Text size="sm">
              {p.expectedEndAt !== null
                ? `Expected to end ${format.dateTime(p.expectedEndAt)}`
                : 'Expected end: not known yet (nothing sent in the last minute)'}
            </Text>
          )}
        </Group>
        {p.pausedReason && (
          <Alert color="orange" variant="light" title="Paused">
            {asSentence(p.pausedReason)}
          </Alert>
        )}
        {can(me, 'sendMailings') && (
          <Group gap="sm">
            {p.state === 'sending' && (
              <Button variant="default" onClick={() => action.mutate('stop')} loading={action.isPending}>
                Stop
              </Button>
            )}
            {p.state === 'stopped' && (
              <Button onClick={() => action.mutate('start')} loading={action.isPending}>
                Start again
              </Button>
            )}
            <Button
              variant="default"
              styles={{ label: { color: '#9b1c1c' } }}
              loading={action.isPending}
              onClick={() =>
                modals.openConfirmModal({
                  title: 'Cancel this mailing?',
                  children: (
                    <Text size="sm">
                      Nobody who has not received it yet will get it. A cancelled mailing cannot be started
                      again.
                    </Text>
                  ),
                  labels: { confirm: 'Cancel the mailing', cancel: 'Keep it' },
                  confirmProps: { color: 'red.9' },
                  onConfirm: () => action.mutate('cancel'),
                })
              }
            >
              Cancel the mailing
            </Button>
          </Group>
        )}
        {error && (
          <Text size="sm" c="red.9" role="alert">
            {asSentence(error.message)} <Code>{error.code}</Code>
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
