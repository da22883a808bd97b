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
import { type ReactElement, useState } from 'react';
import { asSentence, toApiError } from '../api/errors';
import { ErrorState } from '../app/ErrorState';
import { mailingsRoute } from '../app/router';
import { fieldMessage, isFormError } from '../library/errors';
import { closeButtonProps, failed } from '../library/notify';
import { type Folder, folderPath, folderRows, withDescendants } from './folders';
import { createFolder, deleteFolder, foldersQuery, renameFolder } from './listApi';
import { withPatch } from './search';

type Editing = { kind: 'create'; parentId: number | null } | { kind: 'rename'; folder: Folder } | null;

/** The words of each tree (a folder holds mailings, templates or tracked links). */
const words: Record<Folder['kind'], { all: string; things: string; nav: string }> = {
  mailing: { all: 'All mailings', things: 'mailings', nav: 'Mailing folders' },
  template: { all: 'All templates', things: 'templates', nav: 'Template folders' },
  link: { all: 'All tracked links', things: 'tracked links', nav: 'Tracked link folders' },
  form: { all: 'All forms', things: 'forms', nav: 'Form folders' },
};

/** The props Mantine hands to a NavLink's root element (class, children, ref …). */
type RootProps = Record<string, unknown>;

/**
 * A folder tree beside a list: "All …", then the folders; new, rename and delete. `selected` is
 * the folder shown (undefined: all). Each item is a link made by `linkTo` (the Mailings list keeps
 * the folder in its URL) or else a button that calls `onSelect`.
 */
export function FolderTree({
  kind,
  selected,
  onSelect,
  linkTo,
}: {
  kind: Folder['kind'];
  selected: number | undefined;
  onSelect: (folder: number | undefined) => void;
  linkTo?: ((folder: number | undefined, props: RootProps) => ReactElement) | undefined;
}) {
  const folders = useQuery(foldersQuery(kind));
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Editing>(null);
  const all = folders.data?.items ?? [];
  const rows = folderRows(all);
  const w = words[kind];
  const remove = useMutation({
    mutationFn: (f: Folder) => deleteFolder(f.id),
    onSuccess: async (_, f) => {
      if (selected !== undefined && withDescendants(all, f.id).has(selected)) onSelect(undefined);
      await queryClient.invalidateQueries({ queryKey: ['folders', kind] });
      // what was in the folder is at the top level now
      await queryClient.invalidateQueries({
        queryKey:
          kind === 'mailing' ? ['mailings', 'list'] : kind === 'template' ? ['templates'] : ['tracked-links'],
      });
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
          {below > 0 ? 'are' : 'is'} deleted. The {w.things} in {below > 0 ? 'them' : 'it'} are not deleted:
          they move to the top level ({w.all}).
        </Text>
      ),
      labels: { confirm: 'Delete folder', cancel: 'Keep it' },
      confirmProps: { color: 'red.9' },
      onConfirm: () => remove.mutate(f),
    });
  };
  const item = (folder: number | undefined) =>
    linkTo
      ? { renderRoot: (props: RootProps) => linkTo(folder, props) }
      : { component: 'button' as const, type: 'button' as const, onClick: () => onSelect(folder) };

  return (
    <Paper withBorder radius="md" p="xs" w={{ base: '100%', md: 220 }} style={{ flexShrink: 0 }}>
      <nav aria-label={w.nav}>
        <Group justify="space-between" pl="xs" mb={4} wrap="nowrap">
          <Text size="sm" fw={600}>
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
          {...item(undefined)}
          label={w.all}
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
              {...item(f.id)}
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
          kind={kind}
          editing={editing}
          folders={all}
          onClose={() => setEditing(null)}
          onCreated={(f) => onSelect(f.id)}
        />
      )}
    </Paper>
  );
}

/** The Mailings list's tree: each folder is a link, the folder kept in the URL with the rest of the view. */
export function MailingFolderTree({ selected }: { selected: number | undefined }) {
  const search = mailingsRoute.useSearch();
  const navigate = useNavigate({ from: mailingsRoute.fullPath });
  return (
    <FolderTree
      kind="mailing"
      selected={selected}
      onSelect={(folder) => void navigate({ search: (prev) => withPatch(prev, { folder, page: undefined }) })}
      linkTo={(folder, props) => (
        <Link
          {...props}
          to="/mailings"
          search={withPatch(search, { folder, page: undefined })}
          // exact: "All mailings" is not active while a folder (one search parameter more) is shown
          activeOptions={{ exact: true }}
        />
      )}
    />
  );
}

/** New folder (name, inside which folder) or rename. */
function FolderModal({
  kind,
  editing,
  folders,
  onClose,
  onCreated,
}: {
  kind: Folder['kind'];
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
        : createFolder(kind, name, parent === 'top' ? null : Number(parent)),
    onSuccess: async (folder) => {
      await queryClient.invalidateQueries({ queryKey: ['folders', kind] });
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
