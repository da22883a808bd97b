import { Badge, Button, Checkbox, Group, Modal, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import type { Right } from '../api/types';
import { meQuery } from '../auth/api';
import { createRole, rolesQuery } from './api';
import { placeError } from './errors';
import { errorAt, FormError, Loaded, SectionHeader } from './parts';
import { allRights, rightDescriptions, rightLabels } from './rights';
import type { Role } from './types';

export function RolesSection() {
  const query = useQuery(rolesQuery);
  const [adding, add] = useDisclosure(false);
  return (
    <Stack gap="md">
      <SectionHeader
        title="Roles"
        description="A role is a named set of rights; every user and API key has one. You can give only rights you hold yourself."
        action={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={add.open}>
            Add role
          </Button>
        }
      />
      <Loaded query={query} what="The roles">
        {(data) => <RolesTable roles={data.items} />}
      </Loaded>
      <Text size="xs" c="dimmed">
        Roles cannot be renamed, changed or deleted yet: add a role with the rights you need and give it to
        the users.
      </Text>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={adding}
        onClose={add.close}
        title="Add role"
        size="lg"
      >
        <RoleForm onDone={add.close} />
      </Modal>
    </Stack>
  );
}

function RolesTable({ roles }: { roles: Role[] }) {
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={640} type="native">
        <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="Roles">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={180}>Role</Table.Th>
              <Table.Th>Rights</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {roles.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {r.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {r.rights.length === allRights.length
                      ? 'Every right'
                      : `${r.rights.length} of ${allRights.length} rights`}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={6}>
                    {allRights
                      .filter((right) => r.rights.includes(right))
                      .map((right) => (
                        <Badge key={right} variant="default" radius="sm" title={rightDescriptions[right]}>
                          {rightLabels[right]}
                        </Badge>
                      ))}
                    {r.rights.length === 0 && (
                      <Text size="sm" c="dimmed">
                        No rights
                      </Text>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function RoleForm({ onDone }: { onDone: () => void }) {
  const { data: me } = useSuspenseQuery(meQuery);
  const queryClient = useQueryClient();
  const form = useForm<{ name: string; rights: Right[] }>({
    initialValues: { name: '', rights: [] },
    validate: { name: (v) => (v.trim() === '' ? 'Give the role a name' : null) },
  });
  const create = useMutation({
    mutationFn: (v: { name: string; rights: Right[] }) =>
      createRole({ name: v.name.trim(), rights: v.rights }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: rolesQuery.queryKey });
      onDone();
    },
  });
  const placed = placeError(create.error, ['name', 'rights']);
  return (
    <form onSubmit={form.onSubmit((v) => create.mutate(v))} noValidate>
      <Stack gap="md">
        <TextInput
          label="Name"
          required
          data-autofocus
          description="e.g. “newsletter editor”"
          {...form.getInputProps('name')}
          error={errorAt(placed, 'name') ?? form.errors.name}
        />
        <Checkbox.Group
          label="Rights"
          description="Rights you do not hold yourself cannot be given."
          {...form.getInputProps('rights')}
          error={errorAt(placed, 'rights')}
        >
          <Stack gap="xs" mt="xs">
            {allRights.map((right) => (
              <Checkbox
                key={right}
                value={right}
                label={rightLabels[right]}
                description={rightDescriptions[right]}
                disabled={!me.rights.includes(right)}
              />
            ))}
          </Stack>
        </Checkbox.Group>
        <FormError placed={placed} title="The role was not added" />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Add role
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
