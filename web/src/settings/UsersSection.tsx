import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Modal,
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
import { IconPencil, IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useFormat } from '../format/FormatContext';
import { createUser, rolesQuery, updateUser, usersQuery } from './api';
import { placeError } from './errors';
import { newUserBody, timeZones, type UserValues, userChecks, userPatch } from './forms';
import { errorAt, FormError, Loaded, SectionHeader } from './parts';
import { rightsInWords } from './rights';
import type { Role, UserRow } from './types';

type Editing = null | 'new' | UserRow;

export function UsersSection() {
  const users = useQuery(usersQuery);
  const roles = useQuery(rolesQuery);
  const [editing, setEditing] = useState<Editing>(null);
  const format = useFormat();
  return (
    <Stack gap="md">
      <SectionHeader
        title="Users"
        description="The employees who log in to Posthorn. A user’s role decides what they may do; a user can also be “our contact” of companies and persons."
        action={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing('new')}>
            Add user
          </Button>
        }
      />
      <Loaded query={users} what="The users">
        {(data) => (
          <>
            <UsersTable users={data.items} onEdit={setEditing} />
            {data.total > data.items.length && (
              <Text size="sm" c="dimmed">
                The first {format.number(data.items.length)} of {format.number(data.total)} users are shown.
              </Text>
            )}
          </>
        )}
      </Loaded>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' || editing === null ? 'Add user' : `Change ${editing.name}`}
        size="lg"
      >
        {editing !== null && (
          <Loaded query={roles} what="The roles">
            {(data) => <UserForm editing={editing} roles={data.items} onDone={() => setEditing(null)} />}
          </Loaded>
        )}
      </Modal>
    </Stack>
  );
}

function UsersTable({ users, onEdit }: { users: UserRow[]; onEdit: (u: UserRow) => void }) {
  const format = useFormat();
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={720} type="native">
        <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="Users">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>E-mail</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Time zone</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th w={60}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {u.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    Since {format.date(u.createdAt)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{u.email}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{u.role}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{u.timeZone}</Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={u.isActive ? 'green' : 'gray'} variant="dot">
                    {u.isActive ? 'Active' : 'Deactivated'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    aria-label={`Change ${u.name}`}
                    onClick={() => onEdit(u)}
                  >
                    <IconPencil size={18} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

const formFields = ['name', 'email', 'role', 'password', 'timeZone', 'isActive'];

function UserForm({
  editing,
  roles,
  onDone,
}: {
  editing: 'new' | UserRow;
  roles: Role[];
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const stored: UserValues =
    editing === 'new'
      ? { name: '', email: '', role: '', password: '', timeZone: own, isActive: true }
      : { ...editing, password: '' };
  const form = useForm<UserValues>({ initialValues: stored, validate: userChecks });
  const zones = useMemo(() => timeZones(stored.timeZone), [stored.timeZone]);
  const save = useMutation({
    mutationFn: (v: UserValues) => {
      if (editing === 'new') {
        const body = newUserBody(v);
        return createUser({ ...body, name: v.name.trim(), email: v.email.trim(), role: v.role });
      }
      return updateUser(editing.id, userPatch(stored, v));
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: usersQuery.queryKey });
      onDone();
    },
  });
  // RIGHT_NOT_HELD names `role` (the role given) or `rights`: both are about the role control
  const placed = placeError(save.error, formFields, { rights: 'role' });
  const field = (name: keyof UserValues, type?: 'checkbox') => {
    const props = form.getInputProps(name, type ? { type } : {});
    return { ...props, error: errorAt(placed, name) ?? props.error };
  };
  const roleOptions = roles.map((r) => ({ value: r.name, label: r.name }));
  const chosen = roles.find((r) => r.name === form.values.role);
  return (
    <form onSubmit={form.onSubmit((v) => save.mutate(v))} noValidate>
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput label="Name" required data-autofocus {...field('name')} />
          <TextInput
            label="E-mail"
            type="email"
            required
            description="They log in with it."
            {...field('email')}
          />
        </SimpleGrid>
        <Select
          label="Role"
          required
          data={roleOptions}
          allowDeselect={false}
          placeholder="Choose a role"
          description={chosen ? `May: ${rightsInWords(chosen.rights)}.` : 'What the user may do (see Roles).'}
          {...field('role')}
        />
        <Select
          label="Time zone"
          description="Dates and times are shown to the user in this zone."
          data={zones}
          searchable
          allowDeselect={false}
          {...field('timeZone')}
        />
        <PasswordInput
          label={editing === 'new' ? 'Password' : 'New password'}
          description={
            editing === 'new'
              ? 'At least 10 characters; give it to the user in person. Leave empty for a user who does not log in (only “our contact”).'
              : 'Leave empty to keep the current password. A new one logs the user out everywhere.'
          }
          autoComplete="new-password"
          {...field('password')}
        />
        {editing !== 'new' && (
          <Switch
            label="Active"
            description="A deactivated user cannot log in and is logged out at once; their history stays."
            {...field('isActive', 'checkbox')}
          />
        )}
        <FormError
          placed={placed}
          title={editing === 'new' ? 'The user was not added' : 'The user was not changed'}
        />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {editing === 'new' ? 'Add user' : 'Save'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
