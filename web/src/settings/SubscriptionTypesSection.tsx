import {
  ActionIcon,
  Button,
  Group,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useFormat } from '../format/FormatContext';
import {
  createSubscriptionType,
  deleteSubscriptionType,
  subscriptionTypesQuery,
  updateSubscriptionType,
} from './api';
import { placeError } from './errors';
import { confirmDelete, errorAt, FormError, Loaded, notifyFailure, SectionHeader } from './parts';
import type { SubscriptionType } from './types';

/** `null`: closed; `'new'`: adding; a type: editing it. */
type Editing = null | 'new' | SubscriptionType;

export function SubscriptionTypesSection() {
  const query = useQuery(subscriptionTypesQuery);
  const [editing, setEditing] = useState<Editing>(null);
  return (
    <Stack gap="md">
      <SectionHeader
        title="Subscription types"
        description="The topics persons can subscribe to, such as a newsletter or event invitations. A mailing names one; its recipients can unsubscribe from it in one click."
        action={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setEditing('new')}>
            Add subscription type
          </Button>
        }
      />
      <Loaded query={query} what="The subscription types">
        {(data) => <TypesTable types={data.items} onEdit={setEditing} />}
      </Loaded>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' || editing === null ? 'Add subscription type' : `Change “${editing.name}”`}
      >
        {editing !== null && <TypeForm editing={editing} onDone={() => setEditing(null)} />}
      </Modal>
    </Stack>
  );
}

function TypesTable({ types, onEdit }: { types: SubscriptionType[]; onEdit: (t: SubscriptionType) => void }) {
  const format = useFormat();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: deleteSubscriptionType,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['subscription-types'] }),
    onError: notifyFailure('The subscription type was not deleted'),
  });
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={600} type="native">
        <Table verticalSpacing="sm" horizontalSpacing="md" aria-label="Subscription types">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Description</Table.Th>
              <Table.Th w={150} ta="right">
                Active subscribers
              </Table.Th>
              <Table.Th w={100}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {types.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {t.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" {...(t.description ? {} : { c: 'dimmed' })}>
                    {t.description ?? 'No description'}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm">{format.number(t.activeCount)}</Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label={`Change ${t.name}`}
                      onClick={() => onEdit(t)}
                    >
                      <IconPencil size={18} />
                    </ActionIcon>
                    <ActionIcon
                      variant="subtle"
                      color="red.9"
                      aria-label={`Delete ${t.name}`}
                      loading={remove.isPending && remove.variables === t.id}
                      onClick={() =>
                        confirmDelete({
                          title: `Delete “${t.name}”?`,
                          body:
                            t.activeCount > 0
                              ? `All its subscriptions are deleted with it (${format.number(t.activeCount)} active), including the record of who unsubscribed, and mailings that name it lose it. This cannot be undone.`
                              : 'Its subscriptions, including the record of who unsubscribed, are deleted with it, and mailings that name it lose it. This cannot be undone.',
                          confirm: 'Delete subscription type',
                          onConfirm: () => remove.mutate(t.id),
                        })
                      }
                    >
                      <IconTrash size={18} />
                    </ActionIcon>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
            {types.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text ta="center" c="dimmed" py="lg" size="sm">
                    No subscription types yet.
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

function TypeForm({ editing, onDone }: { editing: 'new' | SubscriptionType; onDone: () => void }) {
  const queryClient = useQueryClient();
  const stored =
    editing === 'new'
      ? { name: '', description: '' }
      : { name: editing.name, description: editing.description ?? '' };
  const form = useForm({
    initialValues: stored,
    validate: { name: (v: string) => (v.trim() === '' ? 'Give the subscription type a name' : null) },
  });
  const save = useMutation({
    mutationFn: (v: { name: string; description: string }) => {
      const description = v.description.trim() === '' ? null : v.description.trim();
      if (editing === 'new') return createSubscriptionType({ name: v.name.trim(), description });
      // only what changed (the API's PATCH changes what it names)
      const patch: { name?: string; description?: string | null } = {};
      if (v.name.trim() !== editing.name) patch.name = v.name.trim();
      if (description !== editing.description) patch.description = description;
      return updateSubscriptionType(editing.id, patch);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['subscription-types'] });
      onDone();
    },
  });
  const placed = placeError(save.error, ['name', 'description']);
  return (
    <form onSubmit={form.onSubmit((v) => save.mutate(v))} noValidate>
      <Stack gap="md">
        <TextInput
          label="Name"
          description="As recipients see it on the manage-subscriptions page, e.g. “Monthly newsletter”."
          required
          data-autofocus
          {...form.getInputProps('name')}
          error={errorAt(placed, 'name') ?? form.errors.name}
        />
        <Textarea
          label="Description"
          description="What subscribers get and how often (optional)."
          autosize
          minRows={2}
          {...form.getInputProps('description')}
          error={errorAt(placed, 'description')}
        />
        <FormError placed={placed} title="Not saved" />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {editing === 'new' ? 'Add subscription type' : 'Save'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
