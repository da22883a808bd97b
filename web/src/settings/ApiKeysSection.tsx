import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { IconAlertTriangle, IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useFormat } from '../format/FormatContext';
import { apiKeysQuery, createApiKey, revokeApiKey, rolesQuery } from './api';
import { CopyValue } from './CopyValue';
import { placeError } from './errors';
import { confirmDelete, errorAt, FormError, Loaded, notifyFailure, SectionHeader } from './parts';
import type { ApiKey, CreatedApiKey } from './types';

export function ApiKeysSection() {
  const query = useQuery(apiKeysQuery);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  return (
    <Stack gap="md">
      <SectionHeader
        title="API keys"
        description="Keys let other systems (a CRM, a website, a script) use Posthorn’s API. Each key has a role, like a user; revoke a key as soon as it is no longer needed or may have leaked."
      />
      <NewKey onCreated={setCreated} />
      <Loaded query={query} what="The API keys">
        {(data) => <KeysTable keys={data.items} />}
      </Loaded>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={created !== null}
        onClose={() => setCreated(null)}
        title="Copy the new API key now"
        size="lg"
        closeOnClickOutside={false}
      >
        {created && (
          <Stack gap="md">
            {/* dark text on a pale background: the light Alert's coloured title is below 4.5:1 */}
            <Paper bg="yellow.0" withBorder p="md" radius="md" role="alert">
              <Group gap="sm" wrap="nowrap" align="flex-start">
                <IconAlertTriangle
                  size={22}
                  color="var(--mantine-color-orange-9)"
                  aria-hidden
                  style={{ flexShrink: 0 }}
                />
                <Stack gap={4}>
                  <Text fw={700} size="sm">
                    You will not see it again
                  </Text>
                  <Text size="sm">
                    Posthorn keeps only a fingerprint of the key. Copy it into the system that uses it now; if
                    it is lost, revoke it and create a new one.
                  </Text>
                </Stack>
              </Group>
            </Paper>
            <Text size="sm">
              Key “{created.name}” with the role {created.role}:
            </Text>
            <CopyValue value={created.key} label="the new API key" />
            <Text size="xs" c="dimmed">
              Use it as <code>Authorization: Bearer &lt;key&gt;</code>.
            </Text>
            <Group justify="flex-end">
              <Button onClick={() => setCreated(null)}>I have copied it</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

function NewKey({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const queryClient = useQueryClient();
  const roles = useQuery(rolesQuery);
  const [name, setName] = useState('');
  const [role, setRole] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: createApiKey,
    onSuccess: async (key) => {
      setName('');
      setRole(null);
      onCreated(key);
      await queryClient.invalidateQueries({ queryKey: apiKeysQuery.queryKey });
    },
  });
  const placed = placeError(create.error, ['name', 'role']);
  return (
    <Paper withBorder radius="md" p="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() !== '' && role) create.mutate({ name: name.trim(), role });
        }}
        noValidate
      >
        <Stack gap="xs">
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput
              label="Name of the new key"
              description="Which system uses it, e.g. “Website sign-up form”."
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={errorAt(placed, 'name')}
              w={{ base: '100%', xs: 300 }}
            />
            <Select
              label="Role"
              description="What the system may do with it."
              data={(roles.data?.items ?? []).map((r) => r.name)}
              value={role}
              onChange={setRole}
              allowDeselect={false}
              placeholder={roles.isPending ? 'Loading roles…' : 'Choose a role'}
              error={errorAt(placed, 'role') ?? (roles.isError ? 'The roles could not be loaded' : undefined)}
              w={{ base: '100%', xs: 220 }}
            />
            <Button
              type="submit"
              mt={{ base: 0, xs: 46 }}
              leftSection={<IconPlus size={16} aria-hidden />}
              loading={create.isPending}
              disabled={name.trim() === '' || !role}
            >
              Create key
            </Button>
          </Group>
          <FormError placed={placed} title="The key was not created" />
        </Stack>
      </form>
    </Paper>
  );
}

function KeysTable({ keys }: { keys: ApiKey[] }) {
  const format = useFormat();
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: revokeApiKey,
    onSettled: () => queryClient.invalidateQueries({ queryKey: apiKeysQuery.queryKey }),
    onError: notifyFailure('The key was not revoked'),
  });
  // the keys in use first; revoked ones stay listed (who made what call is in the audit log)
  const sorted = [...keys].sort(
    (a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.id - a.id,
  );
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={720} type="native">
        <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="API keys">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th w={120}>Created</Table.Th>
              <Table.Th w={160}>Last used</Table.Th>
              <Table.Th w={120}>Status</Table.Th>
              <Table.Th w={110}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {sorted.map((k) => (
              <Table.Tr key={k.id}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {k.name}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace">
                    <VisuallyHidden>Key begins </VisuallyHidden>ph_{k.prefix}_…
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{k.role}</Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Text size="sm">{format.date(k.createdAt)}</Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Text size="sm" {...(k.lastUsedAt === null ? { c: 'dimmed' } : {})}>
                    {k.lastUsedAt === null ? 'Never' : format.dateTime(k.lastUsedAt)}
                  </Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {k.revokedAt === null ? (
                    <Badge color="green" variant="dot">
                      Active
                    </Badge>
                  ) : (
                    <Text size="sm" c="dimmed">
                      Revoked {format.date(k.revokedAt)}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {k.revokedAt === null && (
                    <Button
                      size="xs"
                      variant="default"
                      c="red.9"
                      aria-label={`Revoke ${k.name}`}
                      loading={revoke.isPending && revoke.variables === k.id}
                      onClick={() =>
                        confirmDelete({
                          title: `Revoke “${k.name}”?`,
                          body: 'The key stops working at once: every system that uses it is refused from now on. This cannot be undone.',
                          confirm: 'Revoke key',
                          onConfirm: () => revoke.mutate(k.id),
                        })
                      }
                    >
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
            {keys.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text ta="center" c="dimmed" py="lg" size="sm">
                    No API keys yet.
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
