import {
  Alert,
  Button,
  Code,
  Group,
  List,
  Paper,
  Stack,
  Text,
  TextInput,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { IconAlertCircle, IconCalendar, IconCircleCheck, IconSend, IconTestPipe } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../../api/client';
import { asSentence, toApiError } from '../../api/errors';
import type { StepName, TestSendAnswer } from '../../api/types';
import { useFormat } from '../../format/FormatContext';
import { summaryQuery } from '../api';
import { useWizard } from './context';
import { readyToSend, stepViews } from './steps';

function ErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  const e = toApiError(error);
  return (
    <Alert color="red" variant="light" role="alert">
      <Text size="sm">{asSentence(e.message)}</Text>
      <Text size="xs" c="dimmed">
        Code <Code>{e.code}</Code>
      </Text>
    </Alert>
  );
}

export function ConfirmStep({ onStep }: { onStep: (step: StepName) => void }) {
  const { mailing, steps, me, refresh, readOnly } = useWizard();
  const format = useFormat();
  const summary = useQuery(summaryQuery(mailing.id));
  const [addresses, setAddresses] = useState('');
  const [date, setDate] = useState('');
  const [time, setTime] = useState('09:00');
  const canSend = me.rights.includes('sendMailings');
  const ready = readyToSend(steps);
  const path = { params: { path: { id: mailing.id } } };

  const testSend = useMutation({
    mutationFn: () =>
      call<TestSendAnswer>(() =>
        api.POST('/api/v1/mailings/{id}/test-send', { ...path, body: { addresses } }),
      ),
  });
  const send = useMutation({
    mutationFn: () => call(() => api.POST('/api/v1/mailings/{id}/send', path)),
    onSuccess: refresh,
  });
  const schedule = useMutation({
    mutationFn: () =>
      call(() => api.POST('/api/v1/mailings/{id}/schedule', { ...path, body: { at: `${date}T${time}` } })),
    onSuccess: refresh,
  });
  const ready_n = summary.data?.byStatus.ready ?? 0;

  return (
    <Stack gap="xl" maw={760}>
      <Stack gap="xs">
        <Title order={2} size="h4">
          Steps
        </Title>
        <List spacing="xs" listStyleType="none">
          {stepViews(steps)
            .filter((s) => s.name !== 'confirm')
            .map((s) => (
              <List.Item
                key={s.name}
                icon={
                  <ThemeIcon color={s.state === 'complete' ? 'green.8' : 'red.9'} size={22} radius="xl">
                    {s.state === 'complete' ? <IconCircleCheck size={16} /> : <IconAlertCircle size={16} />}
                  </ThemeIcon>
                }
              >
                <Group gap="xs">
                  <Text size="sm" fw={600}>
                    {s.label}: {s.state === 'complete' ? 'complete' : 'needs attention'}
                  </Text>
                  {s.state !== 'complete' && (
                    <Button variant="subtle" size="compact-sm" onClick={() => onStep(s.name)}>
                      Go to {s.label}
                    </Button>
                  )}
                </Group>
                {s.errors.map((e) => (
                  <Text size="sm" c="red.9" key={`${e.field}-${e.code}`}>
                    {asSentence(e.message)}
                  </Text>
                ))}
              </List.Item>
            ))}
        </List>
      </Stack>

      {canSend && !readOnly && (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Title order={2} size="h4">
              Test send
            </Title>
            <Group align="flex-end" gap="sm" wrap="wrap">
              <TextInput
                label={mailing.channel === 'sms' ? 'Mobile numbers' : 'Addresses'}
                description="Up to 20, separated by ; or ,"
                value={addresses}
                onChange={(e) => setAddresses(e.currentTarget.value)}
                error={
                  testSend.error
                    ? `${asSentence(toApiError(testSend.error).message)} (${toApiError(testSend.error).code})`
                    : undefined
                }
                style={{ flex: 1, minWidth: 260 }}
              />
              <Button
                variant="default"
                leftSection={<IconTestPipe size={16} aria-hidden />}
                onClick={() => testSend.mutate()}
                loading={testSend.isPending}
                disabled={!addresses.trim()}
              >
                Send test
              </Button>
            </Group>
            {testSend.data && (
              <Alert color="green" variant="light" role="status">
                Test sent to {testSend.data.addresses.join(', ')}.
              </Alert>
            )}
          </Stack>
        </Paper>
      )}

      {canSend && !readOnly && (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Title order={2} size="h4">
              Send
            </Title>
            {mailing.state === 'scheduled' && mailing.scheduledAt !== null && (
              <Alert color="blue" variant="light" icon={<IconCalendar size={18} aria-hidden />} role="status">
                Scheduled for {format.dateTime(mailing.scheduledAt)} ({format.timeZone}). Choose another time
                and Schedule again to move it.
              </Alert>
            )}
            {!ready && (
              <Text size="sm" c="red.9">
                Complete the steps above before sending.
              </Text>
            )}
            <Group>
              <Button
                leftSection={<IconSend size={16} aria-hidden />}
                disabled={!ready}
                loading={send.isPending}
                onClick={() =>
                  modals.openConfirmModal({
                    title: 'Send this mailing now?',
                    children: (
                      <Text size="sm">
                        “{mailing.name}” goes to {format.number(ready_n)}{' '}
                        {ready_n === 1 ? 'recipient' : 'recipients'} now.
                      </Text>
                    ),
                    labels: { confirm: 'Send now', cancel: 'Not yet' },
                    onConfirm: () => send.mutate(),
                  })
                }
              >
                Send now
              </Button>
            </Group>
            <ErrorLine error={send.error} />
            <Group align="flex-end" gap="sm" wrap="wrap" mt="sm">
              <TextInput
                type="date"
                label="Date"
                value={date}
                onChange={(e) => setDate(e.currentTarget.value)}
              />
              <TextInput
                type="time"
                label="Time"
                value={time}
                onChange={(e) => setTime(e.currentTarget.value)}
              />
              <Button
                variant="default"
                leftSection={<IconCalendar size={16} aria-hidden />}
                disabled={!ready || !date || !time}
                loading={schedule.isPending}
                onClick={() => schedule.mutate()}
              >
                Schedule
              </Button>
            </Group>
            <Text size="xs" c="dimmed">
              Times are in your time zone ({format.timeZone}).
            </Text>
            <ErrorLine error={schedule.error} />
          </Stack>
        </Paper>
      )}
      {!canSend && !readOnly && (
        <Alert color="gray" variant="light" title="Sending is for someone with the right “Send mailings”">
          You can prepare this mailing; a colleague with that right tests, sends or schedules it.
        </Alert>
      )}
    </Stack>
  );
}
