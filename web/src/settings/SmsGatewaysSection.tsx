import {
  ActionIcon,
  Button,
  Checkbox,
  Code,
  Group,
  Modal,
  NumberInput,
  Paper,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useFormat } from '../format/FormatContext';
import { createSmsGateway, deleteSmsGateway, setSmsGatewayActive, smsGatewaysQuery } from './api';
import { CopyValue } from './CopyValue';
import { placeError } from './errors';
import { emptySmsGateway, type SmsGatewayValues, smsGatewayBody, smsGatewayChecks } from './forms';
import { confirmDelete, errorAt, FormError, Loaded, notifyFailure, SectionHeader } from './parts';
import type { SmsGateway, SmsGatewayKind } from './types';

const kindLabels: Record<SmsGatewayKind, string> = {
  smpp: 'SMPP',
  http: 'HTTP gateway',
  outbox: 'Outbox (testing)',
};
const kindOptions: { value: SmsGatewayKind; label: string }[] = [
  { value: 'smpp', label: 'SMPP: a direct connection to an SMS operator' },
  { value: 'http', label: 'HTTP: the web API of an SMS provider' },
  { value: 'outbox', label: 'Outbox: keep the SMS here, send nothing (for testing)' },
];

/** The part of a gateway's settings worth a line in the list. */
function where(g: SmsGateway): string {
  const s = g.settings;
  if (s.unreadable) return 'Settings unreadable (was the instance secret changed?)';
  if (g.kind === 'smpp')
    return `${String(s.host ?? '')}:${String(s.port ?? '')} as ${String(s.systemId ?? '')}`;
  if (g.kind === 'http') return `${String(s.method ?? 'POST')} ${String(s.url ?? '')}`;
  return 'Kept in the Outbox';
}

export function SmsGatewaysSection() {
  const query = useQuery(smsGatewaysQuery);
  const [adding, add] = useDisclosure(false);
  return (
    <Stack gap="md">
      <SectionHeader
        title="SMS gateways"
        description="The connections that send your SMS mailings. With several active gateways the messages are shared by weight; with none, SMS are kept in the Outbox instead of being sent."
        action={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={add.open}>
            Add SMS gateway
          </Button>
        }
      />
      <Loaded query={query} what="The SMS gateways">
        {(data) => <GatewaysTable gateways={data.items} />}
      </Loaded>
      <Text size="xs" c="dimmed">
        Passwords and header values are stored encrypted and never shown. A gateway’s settings cannot be
        changed once saved: add a new one, then delete the old one.
      </Text>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={adding}
        onClose={add.close}
        title="Add SMS gateway"
        size="lg"
      >
        <GatewayForm onDone={add.close} />
      </Modal>
    </Stack>
  );
}

function GatewaysTable({ gateways }: { gateways: SmsGateway[] }) {
  const format = useFormat();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: smsGatewaysQuery.queryKey });
  const toggle = useMutation({
    mutationFn: (g: { id: number; active: boolean }) => setSmsGatewayActive(g.id, g.active),
    onSettled: refresh,
    onError: notifyFailure('The gateway was not changed'),
  });
  const remove = useMutation({
    mutationFn: deleteSmsGateway,
    onSettled: refresh,
    onError: notifyFailure('The gateway was not deleted'),
  });
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={760} type="native">
        <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="SMS gateways">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Connection</Table.Th>
              <Table.Th>Default sender</Table.Th>
              <Table.Th>Sharing</Table.Th>
              <Table.Th w={100}>Active</Table.Th>
              <Table.Th w={60}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {gateways.map((g) => (
              <Table.Tr key={g.id}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {g.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {kindLabels[g.kind]} · added {format.date(g.createdAt)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ wordBreak: 'break-all' }}>
                    {where(g)}
                  </Text>
                  {g.receiptPath && (
                    <Stack gap={2} mt={4}>
                      <Text size="xs" c="dimmed">
                        Delivery reports address (give it to the provider):
                      </Text>
                      <CopyValue
                        value={`${window.location.origin}${g.receiptPath}`}
                        label={`delivery reports address of ${g.name}`}
                      />
                    </Stack>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{g.sender ?? '—'}</Text>
                  {g.defaultCountry && (
                    <Text size="xs" c="dimmed">
                      Numbers without country code: {g.defaultCountry}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">Weight {format.number(g.weight)}</Text>
                  <Text size="xs" c="dimmed">
                    {g.perSecond !== null ? `At most ${format.number(g.perSecond)} per second` : 'No limit'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Switch
                    checked={g.active}
                    aria-label={`${g.name} active`}
                    disabled={toggle.isPending && toggle.variables?.id === g.id}
                    onChange={(e) => toggle.mutate({ id: g.id, active: e.currentTarget.checked })}
                  />
                </Table.Td>
                <Table.Td>
                  <ActionIcon
                    variant="subtle"
                    color="red.9"
                    aria-label={`Delete ${g.name}`}
                    loading={remove.isPending && remove.variables === g.id}
                    onClick={() =>
                      confirmDelete({
                        title: 'Delete this SMS gateway?',
                        body: `“${g.name}” is deleted with its stored settings and passwords.`,
                        confirm: 'Delete gateway',
                        onConfirm: () => remove.mutate(g.id),
                      })
                    }
                  >
                    <IconTrash size={18} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
            {gateways.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text ta="center" c="dimmed" py="lg" size="sm">
                    No SMS gateways yet: SMS are kept in the Outbox.
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

const formFields = Object.keys(emptySmsGateway);

function GatewayForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const form = useForm<SmsGatewayValues>({ initialValues: emptySmsGateway, validate: smsGatewayChecks });
  const create = useMutation({
    mutationFn: createSmsGateway,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: smsGatewaysQuery.queryKey });
      onDone();
    },
  });
  const placed = placeError(create.error, formFields);
  const field = (name: keyof SmsGatewayValues, type?: 'checkbox') => {
    const props = form.getInputProps(name, type ? { type } : {});
    return { ...props, error: errorAt(placed, name) ?? props.error };
  };
  const kind = form.values.kind;
  return (
    <form onSubmit={form.onSubmit((v) => create.mutate(smsGatewayBody(v)))} noValidate>
      <Stack gap="md">
        <Select label="Kind" data={kindOptions} allowDeselect={false} {...field('kind')} />
        <TextInput label="Name" description="For you: e.g. “Telenor SMPP”." required {...field('name')} />
        {kind === 'smpp' && (
          <>
            <SimpleGrid cols={{ base: 1, xs: 2 }}>
              <TextInput label="Server" required {...field('host')} />
              <NumberInput
                label="Port"
                required
                min={1}
                max={65535}
                allowDecimal={false}
                {...field('port')}
              />
            </SimpleGrid>
            <Checkbox label="Connect with TLS" {...field('tls', 'checkbox')} />
            <SimpleGrid cols={{ base: 1, xs: 2 }}>
              <TextInput
                label="System ID"
                description="The login the operator gave you."
                required
                {...field('systemId')}
                autoComplete="off"
              />
              <PasswordInput
                label="Password"
                description="At most 9 characters (SMPP). Stored encrypted, never shown again."
                autoComplete="new-password"
                {...field('password')}
              />
            </SimpleGrid>
            <TextInput
              label="System type"
              description="Only if the operator asks for one."
              {...field('systemType')}
            />
          </>
        )}
        {kind === 'http' && (
          <>
            <TextInput
              label="Address"
              description="Where each SMS is sent, e.g. https://sms.example.com/send."
              required
              {...field('url')}
            />
            <SimpleGrid cols={{ base: 1, xs: 2 }}>
              <Select label="Method" data={['POST', 'GET']} allowDeselect={false} {...field('method')} />
              <Select
                label="Body format"
                data={[
                  { value: 'json', label: 'JSON' },
                  { value: 'form', label: 'Form fields' },
                ]}
                allowDeselect={false}
                {...field('format')}
              />
            </SimpleGrid>
            <Textarea
              label="Fields"
              description={
                <>
                  One <Code>name=value</Code> a line. <Code>{'{{to}}'}</Code>, <Code>{'{{from}}'}</Code> and{' '}
                  <Code>{'{{text}}'}</Code> are filled in per message. Fixed values (an API key) are stored
                  encrypted.
                </>
              }
              autosize
              minRows={3}
              ff="monospace"
              {...field('fields')}
            />
            <Textarea
              label="Headers"
              description={
                <>
                  One <Code>Name: value</Code> a line, e.g. <Code>Authorization: Bearer …</Code>. Values are
                  stored encrypted, never shown again.
                </>
              }
              autosize
              minRows={2}
              ff="monospace"
              {...field('headers')}
            />
            <TextInput
              label="Message id in the answer"
              description="Dot path to the provider’s id of the message in its answer, e.g. messages.0.id (to match delivery reports)."
              {...field('idPath')}
            />
          </>
        )}
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput
            label="Default sender"
            description="Used when a mailing names none: up to 11 characters, or a phone number."
            {...field('sender')}
          />
          <TextInput
            label="Default country"
            description="For numbers written without a country code: two letters, e.g. NO."
            maxLength={2}
            {...field('defaultCountry')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <NumberInput
            label="At most per second"
            description="Empty: as fast as the gateway takes them."
            min={1}
            allowDecimal={false}
            {...field('perSecond')}
          />
          <NumberInput
            label="Weight"
            description="Share of the SMS when several gateways are active."
            min={1}
            max={1000}
            allowDecimal={false}
            {...field('weight')}
          />
        </SimpleGrid>
        <FormError placed={placed} title="The gateway was not added" />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Add gateway
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
