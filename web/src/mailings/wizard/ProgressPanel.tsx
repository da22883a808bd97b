import { Alert, Anchor, Button, Code, Group, Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { modals } from '@mantine/modals';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect } from 'react';
import { api, call } from '../../api/client';
import { asSentence, toApiError } from '../../api/errors';
import { useFormat } from '../../format/FormatContext';
import { progressQuery } from '../api';
import { useWizard } from './context';

const done = ['sent', 'delivered', 'read', 'failed', 'bounced', 'complained', 'cancelled'];

/** How far the sending is: sent of total, rate, expected end; Stop, Start and Cancel. */
export function ProgressPanel() {
  const { mailing, me, refresh } = useWizard();
  const format = useFormat();
  const progress = useQuery(progressQuery(mailing.id));
  const action = useMutation({
    mutationFn: (what: 'stop' | 'start' | 'cancel') =>
      call(() =>
        api.POST(`/api/v1/mailings/{id}/${what}` as '/api/v1/mailings/{id}/stop', {
          params: { path: { id: mailing.id } },
        }),
      ),
    onSuccess: async () => {
      await refresh();
    },
  });
  const p = progress.data;
  const progressState = p?.state;
  // the sending ended (or was stopped elsewhere): the mailing's state badge and steps follow
  useEffect(() => {
    if (progressState && progressState !== mailing.state) void refresh();
  }, [progressState, mailing.state, refresh]);
  if (!p) return null;
  const sent = done.reduce((n, s) => n + (p.byState[s] ?? 0), 0);
  const percent = p.total ? Math.round((100 * sent) / p.total) : 0;
  const canSend = me.rights.includes('sendMailings');
  const state = p.state;
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {state === 'finished' ? 'Sent' : state === 'sending' ? 'Sending' : 'Progress'}
          </Title>
          <Text size="sm" aria-live="polite" data-testid="progress-count">
            {format.number(sent)} of {format.number(p.total)} sent
          </Text>
        </Group>
        <Progress
          value={percent}
          aria-label="Sent"
          size="lg"
          color={state === 'finished' ? 'green.8' : 'blue.8'}
        />
        <Group gap="xl">
          {p.ratePerSecond > 0 && (
            <Text size="sm">{format.number(Math.round(p.ratePerSecond * 60))} messages a minute</Text>
          )}
          {p.finishedAt ? (
            <Text size="sm">Finished {format.dateTime(p.finishedAt)}</Text>
          ) : p.expectedEndAt ? (
            <Text size="sm">Expected to end {format.dateTime(p.expectedEndAt)}</Text>
          ) : null}
        </Group>
        {p.pausedReason && (
          <Alert color="orange" variant="light" title="Paused">
            {asSentence(p.pausedReason)}
          </Alert>
        )}
        {canSend && (state === 'sending' || state === 'stopped') && (
          <Group gap="sm">
            {state === 'sending' && (
              <Button variant="default" onClick={() => action.mutate('stop')} loading={action.isPending}>
                Stop
              </Button>
            )}
            {state === 'stopped' && (
              <Button onClick={() => action.mutate('start')} loading={action.isPending}>
                Start again
              </Button>
            )}
            <Button
              variant="default"
              c="red.9"
              onClick={() =>
                modals.openConfirmModal({
                  title: 'Cancel this mailing?',
                  children: (
                    <Text size="sm">
                      Nobody who has not received it yet will get it. A cancelled mailing cannot be started
                      again.
                    </Text>
                  ),
                  labels: { confirm: 'Cancel the mailing', cancel: 'Keep sending' },
                  confirmProps: { color: 'red.9' },
                  onConfirm: () => action.mutate('cancel'),
                })
              }
              loading={action.isPending}
            >
              Cancel the mailing
            </Button>
          </Group>
        )}
        <Group>
          <Anchor
            size="sm"
            renderRoot={(props) => (
              <Link to="/mailings/$id/view" params={{ id: String(mailing.id) }} search={{}} {...props} />
            )}
          >
            View mailing: who got it, read it and clicked
          </Anchor>
        </Group>
        {action.error && (
          <Text size="sm" c="red.9" role="alert">
            {asSentence(toApiError(action.error).message)} <Code>{toApiError(action.error).code}</Code>
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
