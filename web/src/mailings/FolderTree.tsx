import {
  ActionIcon,
  Alert,
  Button,
  Code,
  Group,
  Menu,
  Modal,
  NavLink,
  Paper,
  Select,
  Skeleton,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { IconDots, IconFolder, IconFolderPlus, IconInbox, IconPencil, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { asSentence, toApiError } from '../api/errors';
import { ErrorState } from '../app/ErrorState';
import { mailingsRoute } from '../app/router';
import { fieldMessage, isFormError } from '../library/errors';
import { closeButtonProps, failed } from '../library/notify';
import { type Folder, folderPath, folderRows, withDescendants } from './folders';
import { createFolder, deleteFolder, mailingFoldersQuery, renameFolder } from './listApi';
import { withPatch } from './search';

type Editing = { kind: 'create'; parentId: number | null } | { kind: 'rename'; folder: Folder } | null;

/** The mailing folders beside the list: All mailings, then the tree; new, rename and delete. */
export function FolderTree({ selected }: { selected: number | undefined }) {
  const folders = useQuery(mailingFoldersQuery);
  const search = mailingsRoute.useSearch();
  const queryClient = useQueryClient();
  const navigate = useNavigate({ from: mailingsRoute.fullPath });
  const [editing, setEditing] = useState<Editing>(null);
  const all = folders.data?.items ?? [];
  const rows = folderRows(all);
  const remove = useMutation({
    mutationFn: (f: Folder) => deleteFolder(f.id),
    onSuccess: async (_, f) => {
      if (selected !== undefined && withDescendants(all, f.id).has(selected))
        void navigate({ search: (prev) => withPatch(prev, { folder: undefined, page: undefined }) });
      await queryClient.invalidateQueries({ queryKey: ['folders', 'mailing'] });
      await queryClient.invalidateQueries({ queryKey: ['mailings', 'list'] });
    },
    onError: failed('The folder was not deleted'),
  });
  const confirmDelete = (f: Folder) => {
    const below = withDescendants(all, f.id).size - 1;
    modals.openConfirmModal({
      title: 'Delete this folder?',
      closeButtonProps,
      children: (
        <Text size="sm">
          “{folderPath(all, f.id)}”
          {below > 0 ? ` and the ${below === 1 ? 'folder' : `${below} folders`} in it` : ''}{' '}
          {below > 0 ? 'are' : 'is'} deleted. No mailing is deleted: the mailings in{' '}
          {below > 0 ? 'them' : 'it'} move to the top level (All mailings).
        </Text>
      ),
      labels: { confirm: 'Delete folder', cancel: 'Keep it' },
      confirmProps: { color: 'red.9' },
      onConfirm: () => remove.mutate(f),
    });
  };

  return (
    <Paper withBorder radius="md" p="xs" w={{ base: '100%', md: 220 }} style={{ flexShrink: 0 }}>
      <nav aria-label="Mailing folders">
        <Group justify="space-between" pl="xs" mb={4} wrap="nowrap">
          <Text size="sm" fw={600} id="folders-title">
            Folders
          </Text>
          <ActionIcon
            variant="subtle"
            color="gray"
            aria-label="New folder"
            onClick={() => setEditing({ kind: 'create', parentId: selected ?? null })}
          >
            <IconFolderPlus size={18} />
          </ActionIcon>
        </Group>
        <NavLink
          renderRoot={(props) => (
            <Link
              {...props}
              to="/mailings"
              search={withPatch(search, { folder: undefined, page: undefined })}
              // exact: "All mailings" is not active while a folder (one search parameter more) is shown
              activeOptions={{ exact: true }}
            />
          )}
          label="All mailings"
          leftSection={<IconInbox size={16} aria-hidden />}
          active={selected === undefined}
          aria-current={selected === undefined ? 'page' : undefined}
        />
        {folders.isPending && (
          <Stack gap={6} p="xs">
            <Skeleton height={14} />
            <Skeleton height={14} />
          </Stack>
        )}
        {folders.isError && (
          <ErrorState
            error={folders.error}
            onRetry={() => void folders.refetch()}
            title="The folders could not be loaded"
          />
        )}
        {rows.map((f) => (
          <Group key={f.id} gap={0} wrap="nowrap" pl={f.depth * 14}>
            <NavLink
              renderRoot={(props) => (
                <Link
                  {...props}
                  to="/mailings"
                  search={withPatch(search, { folder: f.id, page: undefined })}
                  activeOptions={{ exact: true }}
                />
              )}
              label={f.name}
              leftSection={<IconFolder size={16} aria-hidden />}
              active={selected === f.id}
              aria-current={selected === f.id ? 'page' : undefined}
              style={{ flex: 1, minWidth: 0 }}
            />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon variant="subtle" color="gray" aria-label={`Actions for folder ${f.name}`}>
                  <IconDots size={16} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item
                  leftSection={<IconFolderPlus size={16} />}
                  onClick={() => setEditing({ kind: 'create', parentId: f.id })}
                >
                  New folder inside
                </Menu.Item>
                <Menu.Item
                  leftSection={<IconPencil size={16} />}
                  onClick={() => setEditing({ kind: 'rename', folder: f })}
                >
                  Rename
                </Menu.Item>
                <Menu.Item
                  color="red.9"
                  leftSection={<IconTrash size={16} />}
                  onClick={() => confirmDelete(f)}
                >
                  Delete
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        ))}
        {folders.data && rows.length === 0 && (
          <Text size="xs" c="dimmed" px="xs" py={6}>
            No folders yet.
          </Text>
        )}
      </nav>
      {editing && (
        <FolderModal
          editing={editing}
          folders={all}
          onClose={() => setEditing(null)}
          onCreated={(f) =>
            void navigate({ search: (prev) => withPatch(prev, { folder: f.id, page: undefined }) })
          }
        />
      )}
    </Paper>
  );
}

/** New folder (name, inside which folder) or rename. */
function FolderModal({
  editing,
  folders,
  onClose,
  onCreated,
}: {
  editing: NonNullable<Editing>;
  folders: readonly Folder[];
  onClose: () => void;
  onCreated: (folder: Folder) => void;
}) {
  const [name, setName] = useState(editing.kind === 'rename' ? editing.folder.name : '');
  const [parent, setParent] = useState<string>(
    editing.kind === 'create' && editing.parentId !== null ? String(editing.parentId) : 'top',
  );
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () =>
      editing.kind === 'rename'
        ? renameFolder(editing.folder.id, name)
        : createFolder(name, parent === 'top' ? null : Number(parent)),
    onSuccess: async (folder) => {
      await queryClient.invalidateQueries({ queryKey: ['folders', 'mailing'] });
      onClose();
      if (editing.kind === 'create') onCreated(folder);
    },
  });
  const error = save.error ? toApiError(save.error) : null;
  const parents = [
    { value: 'top', label: 'Top level' },
    ...folderRows(folders).map((f) => ({ value: String(f.id), label: folderPath(folders, f.id) })),
  ];

  return (
    <Modal
      opened
      onClose={onClose}
      closeButtonProps={closeButtonProps}
      title={editing.kind === 'rename' ? `Rename folder “${editing.folder.name}”` : 'New folder'}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack gap="md">
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            data-autofocus
            error={fieldMessage(error, 'name')}
          />
          {editing.kind === 'create' && (
            <Select
              label="Inside"
              data={parents}
              value={parent}
              onChange={(v) => setParent(v ?? 'top')}
              allowDeselect={false}
              error={fieldMessage(error, 'parentId')}
            />
          )}
          {error && isFormError(error, ['name', 'parentId']) && (
            <Alert color="red" variant="light" role="alert" title="The folder was not saved">
              {asSentence(error.message)} <Code>{error.code}</Code>
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!name.trim()}>
              {editing.kind === 'rename' ? 'Rename' : 'Create'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
