import {
  ActionIcon,
  Button,
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
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useFormat } from '../format/FormatContext';
import { createEmailAccount, deleteEmailAccount, emailAccountsQuery, setEmailAccountActive } from './api';
import { placeError } from './errors';
import {
  type EmailAccountValues,
  emailAccountBody,
  emailAccountChecks,
  emptyEmailAccount,
  portForTls,
} from './forms';
import { confirmDelete, errorAt, FormError, Loaded, notifyFailure, SectionHeader } from './parts';
import type { EmailAccount } from './types';

const tlsOptions: { value: EmailAccount['tls']; label: string }[] = [
  { value: 'starttls', label: 'STARTTLS when offered (usual, port 587)' },
  { value: 'required', label: 'STARTTLS required (refuse without it)' },
  { value: 'implicit', label: 'TLS from the start (port 465)' },
  { value: 'none', label: 'No encryption (local relays only)' },
];
const tlsShort: Record<EmailAccount['tls'], string> = {
  starttls: 'STARTTLS',
  required: 'STARTTLS required',
  implicit: 'TLS',
  none: 'No encryption',
};

export function EmailAccountsSection() {
  const query = useQuery(emailAccountsQuery);
  const [adding, add] = useDisclosure(false);
  return (
    <Stack gap="md">
      <SectionHeader
        title="E-mail accounts"
        description="The SMTP relays that carry your e-mail. With several active accounts the messages are shared by weight. With none, the relay set in POSTHORN_SMTP_URL is used, or, if that is not set either, messages are kept in the Outbox instead of being sent."
        action={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={add.open}>
            Add e-mail account
          </Button>
        }
      />
      <Loaded query={query} what="The e-mail accounts">
        {(data) => <AccountsTable accounts={data.items} />}
      </Loaded>
      <Text size="xs" c="dimmed">
        An account’s server and password cannot be changed once saved: add a new account, then delete the old
        one.
      </Text>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={adding}
        onClose={add.close}
        title="Add e-mail account"
        size="lg"
      >
        <AccountForm onDone={add.close} />
      </Modal>
    </Stack>
  );
}

function AccountsTable({ accounts }: { accounts: EmailAccount[] }) {
  const format = useFormat();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: emailAccountsQuery.queryKey });
  const toggle = useMutation({
    mutationFn: (a: { id: number; active: boolean }) => setEmailAccountActive(a.id, a.active),
    onSettled: refresh,
    onError: notifyFailure('The account was not changed'),
  });
  const remove = useMutation({
    mutationFn: deleteEmailAccount,
    onSettled: refresh,
    onError: notifyFailure('The account was not deleted'),
  });
  const limits = (a: EmailAccount) =>
    [
      a.perSecond !== null ? `${format.number(a.perSecond)}/s` : null,
      a.perMinute !== null ? `${format.number(a.perMinute)}/min` : null,
      a.perHour !== null ? `${format.number(a.perHour)}/h` : null,
    ]
      .filter(Boolean)
      .join(' · ') || 'No limit';

  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={760} type="native">
        <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="E-mail accounts">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Server</Table.Th>
              <Table.Th>Login</Table.Th>
              <Table.Th>Sharing and limits</Table.Th>
              <Table.Th w={100}>Active</Table.Th>
              <Table.Th w={60}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {accounts.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {a.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    Added {format.date(a.createdAt)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {a.host}:{a.port}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {tlsShort[a.tls]}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{a.username ?? 'No login'}</Text>
                  {a.username !== null && (
                    <Text size="xs" c="dimmed">
                      {a.hasPassword ? 'Password stored (never shown)' : 'No password'}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    Weight {format.number(a.weight)} · {format.number(a.poolSize)} connections
                  </Text>
                  <Text size="xs" c="dimmed">
                    {limits(a)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Switch
                    checked={a.active}
                    aria-label={`${a.name} active`}
                    disabled={toggle.isPending && toggle.variables?.id === a.id}
                    onChange={(e) => toggle.mutate({ id: a.id, active: e.currentTarget.checked })}
                  />
                </Table.Td>
                <Table.Td>
                  <ActionIcon
                    variant="subtle"
                    color="red.9"
                    aria-label={`Delete ${a.name}`}
                    loading={remove.isPending && remove.variables === a.id}
                    onClick={() =>
                      confirmDelete({
                        title: 'Delete this e-mail account?',
                        body: `“${a.name}” (${a.host}) is deleted with its stored password. Messages go through the other active accounts, or the fallback relay.`,
                        confirm: 'Delete account',
                        onConfirm: () => remove.mutate(a.id),
                      })
                    }
                  >
                    <IconTrash size={18} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
            {accounts.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text ta="center" c="dimmed" py="lg" size="sm">
                    No e-mail accounts yet: messages use POSTHORN_SMTP_URL, or are kept in the Outbox.
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

const formFields = Object.keys(emptyEmailAccount);

function AccountForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const form = useForm<EmailAccountValues>({
    initialValues: emptyEmailAccount,
    validate: emailAccountChecks,
  });
  const create = useMutation({
    mutationFn: createEmailAccount,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: emailAccountsQuery.queryKey });
      onDone();
    },
  });
  const placed = placeError(create.error, formFields);
  const field = (name: keyof EmailAccountValues) => {
    const props = form.getInputProps(name);
    return { ...props, error: errorAt(placed, name) ?? props.error };
  };
  return (
    <form onSubmit={form.onSubmit((v) => create.mutate(emailAccountBody(v)))} noValidate>
      <Stack gap="md">
        <TextInput
          label="Name"
          description="For you: e.g. “Company relay”."
          required
          data-autofocus
          {...field('name')}
        />
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput label="Server" description="Host name of the SMTP relay." required {...field('host')} />
          <NumberInput label="Port" required min={1} max={65535} allowDecimal={false} {...field('port')} />
        </SimpleGrid>
        <Select
          label="Encryption"
          data={tlsOptions}
          allowDeselect={false}
          {...field('tls')}
          onChange={(v) => {
            const tls = (v ?? 'starttls') as EmailAccount['tls'];
            form.setFieldValue('tls', tls);
            form.setFieldValue('port', portForTls(tls, form.values.port));
          }}
        />
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput
            label="User name"
            description="Leave empty if the relay needs no login."
            {...field('username')}
            autoComplete="off"
          />
          <PasswordInput
            label="Password"
            description="Stored encrypted and never shown again."
            autoComplete="new-password"
            {...field('password')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <NumberInput
            label="Connections"
            description="How many messages are handed over at once."
            min={1}
            max={100}
            allowDecimal={false}
            {...field('poolSize')}
          />
          <NumberInput
            label="Weight"
            description="Share of the messages when several accounts are active."
            min={1}
            max={1000}
            allowDecimal={false}
            {...field('weight')}
          />
        </SimpleGrid>
        <Text size="sm" fw={500}>
          Sending limits{' '}
          <Text span size="sm" c="dimmed" fw={400}>
            (as your relay allows; empty means no limit)
          </Text>
        </Text>
        <SimpleGrid cols={{ base: 1, xs: 3 }}>
          <NumberInput label="Messages per second" min={1} allowDecimal={false} {...field('perSecond')} />
          <NumberInput label="Messages per minute" min={1} allowDecimal={false} {...field('perMinute')} />
          <NumberInput label="Messages per hour" min={1} allowDecimal={false} {...field('perHour')} />
        </SimpleGrid>
        <FormError placed={placed} title="The account was not added" />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Add account
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
