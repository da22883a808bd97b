import {
  Badge,
  Button,
  Divider,
  Group,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconPlus, IconRefresh, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Page } from '../api/types';
import { useFormat } from '../format/FormatContext';
import { addSendingDomain, checkSendingDomain, deleteSendingDomain, sendingDomainsQuery } from './api';
import { CopyValue } from './CopyValue';
import {
  domainSummary,
  purposeLabels,
  type RecordState,
  recordStates,
  statusColors,
  statusLabels,
} from './dns';
import { placeError } from './errors';
import { confirmDelete, ErrorText, errorAt, FormError, Loaded, notifyFailure, SectionHeader } from './parts';
import type { SendingDomain } from './types';

export function SendingDomainsSection() {
  const query = useQuery(sendingDomainsQuery);
  return (
    <Stack gap="md">
      <SectionHeader
        title="Sending domains"
        description="The domains of your From addresses. Posthorn signs their messages with a DKIM key of its own; publish the records below in the domain’s DNS so receiving mail systems trust them, then press Check."
      />
      <AddDomain />
      <Loaded query={query} what="The sending domains">
        {(data) =>
          data.items.length === 0 ? (
            <Paper withBorder radius="md" p="lg">
              <Text c="dimmed" size="sm" ta="center">
                No sending domains yet. Add the domain of your From address, e.g. example.com.
              </Text>
            </Paper>
          ) : (
            <Stack gap="lg">
              {data.items.map((d) => (
                <DomainCard key={d.id} domain={d} />
              ))}
            </Stack>
          )
        }
      </Loaded>
    </Stack>
  );
}

function AddDomain() {
  const queryClient = useQueryClient();
  const [domain, setDomain] = useState('');
  const add = useMutation({
    mutationFn: addSendingDomain,
    onSuccess: async () => {
      setDomain('');
      await queryClient.invalidateQueries({ queryKey: sendingDomainsQuery.queryKey });
    },
  });
  const placed = placeError(add.error, ['domain']);
  return (
    <Paper withBorder radius="md" p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (domain.trim() !== '') add.mutate(domain.trim());
        }}
        noValidate
      >
        <Stack gap="xs">
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput
              label="Domain"
              description="The part after the @ of your From address."
              placeholder="example.com"
              value={domain}
              onChange={(e) => setDomain(e.currentTarget.value)}
              error={errorAt(placed, 'domain')}
              w={{ base: '100%', xs: 320 }}
            />
            <Button
              type="submit"
              mt={{ base: 0, xs: 46 }}
              leftSection={<IconPlus size={16} aria-hidden />}
              loading={add.isPending}
              disabled={domain.trim() === ''}
            >
              Add domain
            </Button>
          </Group>
          <FormError placed={placed} title="The domain was not added" />
        </Stack>
      </form>
    </Paper>
  );
}

function DomainCard({ domain }: { domain: SendingDomain }) {
  const format = useFormat();
  const queryClient = useQueryClient();
  const check = useMutation({
    mutationFn: () => checkSendingDomain(domain.id),
    onSuccess: (checked) =>
      queryClient.setQueryData<Page<SendingDomain>>(sendingDomainsQuery.queryKey, (page) =>
        page ? { ...page, items: page.items.map((d) => (d.id === checked.id ? checked : d)) } : page,
      ),
  });
  const remove = useMutation({
    mutationFn: () => deleteSendingDomain(domain.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sendingDomainsQuery.queryKey }),
    onError: notifyFailure('The domain was not removed'),
  });
  const summary = domainSummary(domain);
  const states = recordStates(domain);
  const checkError = placeError(check.error, []);
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-label={domain.domain}>
      <Stack gap="md">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Stack gap={2}>
            <Group gap="sm">
              <Title order={3} size="h4">
                {domain.domain}
              </Title>
              <Badge color={summary.color} variant="dot">
                {summary.label}
              </Badge>
            </Group>
            <Text size="xs" c="dimmed">
              Added {format.date(domain.createdAt)} ·{' '}
              {domain.checkedAt !== null
                ? `last checked ${format.dateTime(domain.checkedAt)}`
                : 'not checked yet'}
            </Text>
          </Stack>
          <Group gap="sm">
            <Button
              variant="default"
              leftSection={<IconRefresh size={16} aria-hidden />}
              loading={check.isPending}
              onClick={() => check.mutate()}
              aria-label={`Check DNS of ${domain.domain}`}
            >
              Check
            </Button>
            <Button
              variant="default"
              c="red.9"
              leftSection={<IconTrash size={16} aria-hidden />}
              loading={remove.isPending}
              onClick={() =>
                confirmDelete({
                  title: `Remove ${domain.domain}?`,
                  body: `Messages from ${domain.domain} are no longer signed, and its DKIM key is deleted for good. Remove the records from DNS too.`,
                  confirm: 'Remove domain',
                  onConfirm: () => remove.mutate(),
                })
              }
              aria-label={`Remove ${domain.domain}`}
            >
              Remove
            </Button>
          </Group>
        </Group>
        {checkError && (
          <Text size="sm" c="red.9" role="alert">
            The check did not run: <ErrorText placed={checkError} />
          </Text>
        )}
        <Text size="sm">
          Publish these TXT records in the DNS of {domain.domain} (where you manage the domain, e.g. at its
          registrar). New records can take up to a few hours to be seen everywhere; press Check again later.
        </Text>
        <Stack gap="md">
          {states.map((s, i) => (
            <RecordBlock key={s.record.purpose} state={s} divider={i > 0} />
          ))}
        </Stack>
      </Stack>
    </Paper>
  );
}

function RecordBlock({ state, divider }: { state: RecordState; divider: boolean }) {
  const { record } = state;
  const what = purposeLabels[record.purpose];
  return (
    <Stack gap="xs">
      {divider && <Divider />}
      <Group gap="sm">
        <Text size="sm" fw={600}>
          {what}
        </Text>
        <Badge variant="outline" color="gray" size="sm">
          {record.type}
        </Badge>
        <Badge color={statusColors[state.status]} variant="dot">
          {statusLabels[state.status]}
        </Badge>
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
        <Stack gap={2}>
          <Text size="xs" c="dimmed">
            Name (host)
          </Text>
          <CopyValue value={record.name} label={`${what} name`} />
        </Stack>
        <Stack gap={2}>
          <Text size="xs" c="dimmed">
            Value
          </Text>
          <CopyValue value={record.value} label={`${what} value`} />
        </Stack>
      </SimpleGrid>
      <Text size="sm" {...(state.status === 'ok' ? {} : { c: 'dimmed' })}>
        {state.explanation}
      </Text>
      {state.found !== null && state.found !== record.value && (
        <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
          Found in DNS: {state.found}
        </Text>
      )}
    </Stack>
  );
}
