import { Alert, Anchor, Button, Code, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { asSentence, toApiError } from '../api/errors';
import type { Mailing } from '../api/types';
import { fieldMessage, isFormError } from '../library/errors';
import { closeButtonProps, notify } from '../library/notify';
import { folderPath, folderRows } from './folders';
import { copyToTemplate, mailingFoldersQuery, moveMailing } from './listApi';

/** Move to folder: a draft into a folder, or back to the top level. */
export function MoveToFolderModal({ mailing, onClose }: { mailing: Mailing; onClose: () => void }) {
  const folders = useQuery(mailingFoldersQuery);
  const all = folders.data?.items ?? [];
  const [target, setTarget] = useState(mailing.folderId === null ? 'top' : String(mailing.folderId));
  const queryClient = useQueryClient();
  const move = useMutation({
    mutationFn: () => moveMailing(mailing.id, target === 'top' ? null : Number(target)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['mailings'] });
      onClose();
      notify({
        color: 'green',
        message:
          target === 'top'
            ? `“${mailing.name}” is in no folder now`
            : `“${mailing.name}” moved to ${folderPath(all, Number(target))}`,
      });
    },
  });
  const error = move.error ? toApiError(move.error) : null;
  const options = [
    { value: 'top', label: 'No folder (top level)' },
    ...folderRows(all).map((f) => ({ value: String(f.id), label: folderPath(all, f.id) })),
  ];

  return (
    <Modal opened onClose={onClose} closeButtonProps={closeButtonProps} title={`Move “${mailing.name}”`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          move.mutate();
        }}
      >
        <Stack gap="md">
          <Select
            label="Folder"
            data={options}
            value={target}
            onChange={(v) => setTarget(v ?? 'top')}
            allowDeselect={false}
            searchable
            nothingFoundMessage="No folder has this name"
            disabled={folders.isPending}
            error={
              fieldMessage(error, 'folderId') ??
              (folders.isError
                ? `${asSentence(toApiError(folders.error).message)} (${toApiError(folders.error).code})`
                : undefined)
            }
            data-autofocus
          />
          {error && isFormError(error, ['folderId']) && (
            <Alert color="red" variant="light" role="alert" title="The mailing was not moved">
              {asSentence(error.message)} <Code>{error.code}</Code>
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={move.isPending}>
              Move
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Save as template (the API's copy to template): a new template with the mailing's content, named as the user says. */
export function CopyToTemplateModal({ mailing, onClose }: { mailing: Mailing; onClose: () => void }) {
  const [name, setName] = useState(mailing.name);
  const queryClient = useQueryClient();
  // the notification renders outside the router: it navigates with this page's navigate
  const navigate = useNavigate();
  const copy = useMutation({
    mutationFn: () => copyToTemplate(mailing.id, name),
    onSuccess: async (template) => {
      await queryClient.invalidateQueries({ queryKey: ['templates'] });
      onClose();
      notify({
        color: 'green',
        title: `Template “${template.name}” created`,
        message: (
          <Anchor
            component="button"
            type="button"
            size="sm"
            onClick={() => void navigate({ to: '/templates' })}
          >
            Open Templates
          </Anchor>
        ),
      });
    },
  });
  const error = copy.error ? toApiError(copy.error) : null;

  return (
    <Modal opened onClose={onClose} closeButtonProps={closeButtonProps} title="Save as template">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          copy.mutate();
        }}
      >
        <Stack gap="md">
          <Text size="sm">
            A new template gets the content of “{mailing.name}” and its{' '}
            {mailing.channel === 'sms'
              ? 'sender'
              : mailing.channel === 'document'
                ? 'heading'
                : 'subject and preheader'}
            . Recipients and sending settings stay with the mailing.
          </Text>
          <TextInput
            label="Template name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            data-autofocus
            error={fieldMessage(error, 'name')}
          />
          {error && isFormError(error, ['name']) && (
            <Alert color="red" variant="light" role="alert" title="The template was not created">
              {asSentence(error.message)} <Code>{error.code}</Code>
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={copy.isPending} disabled={!name.trim()}>
              Create template
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
