import { Alert, Button, Code, Group, Modal, Radio, Select, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { asSentence, toApiError } from '../api/errors';
import { useFormat } from '../format/FormatContext';
import { namedListQuery } from '../mailings/api';
import { type AddTargetKind, addTarget } from './actions';
import { addTo, followupKey, type RecipientSet } from './api';
import { useViewMailing } from './context';
import { SkippedList } from './SkippedList';
import type { AddToAnswer } from './types';

export interface SetChoice {
  value: string;
  label: string;
  set: RecipientSet;
}

/** A selection or project picked by name (searches as you type). */
function NamedPicker({
  kind,
  label,
  value,
  onChange,
  error,
}: {
  kind: 'selections' | 'projects';
  label: string;
  value: string | null;
  onChange: (v: string | null) => void;
  error: string | null;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const found = useQuery(namedListQuery(kind, q));
  return (
    <Select
      label={label}
      placeholder="Type to search"
      searchable
      data={(found.data?.items ?? []).map((i) => ({ value: String(i.id), label: i.name }))}
      value={value}
      onChange={onChange}
      onSearchChange={setSearch}
      nothingFoundMessage={found.isFetching ? 'Searching…' : 'Nothing found'}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

/**
 * Add recipients to a new or existing static selection, or a project (registered persons only:
 * the answer says what was skipped and why).
 */
export function AddToModal({
  opened,
  onClose,
  choices,
  allowProjects = true,
  title = 'Add to a selection or project',
}: {
  opened: boolean;
  onClose: () => void;
  choices: SetChoice[];
  allowProjects?: boolean;
  title?: string;
}) {
  const { mailing } = useViewMailing();
  const format = useFormat();
  const queryClient = useQueryClient();
  const [which, setWhich] = useState<string | null>(null);
  const [kind, setKind] = useState<AddTargetKind>('newSelection');
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [answer, setAnswer] = useState<AddToAnswer | null>(null);
  const choice = choices.find((c) => c.value === which) ?? choices[0];
  const adding = useMutation({
    mutationFn: (args: Parameters<typeof addTo>) => addTo(...args),
    onSuccess: async (a) => {
      setAnswer(a);
      await queryClient.invalidateQueries({ queryKey: ['selections'] });
      await queryClient.invalidateQueries({ queryKey: followupKey(mailing.id) });
    },
  });
  const error = adding.error ? toApiError(adding.error) : null;
  const errorOn = (field: string) =>
    error && error.field === field ? `${asSentence(error.message)} (${error.code})` : null;
  const generalError = error && !['newSelectionName', 'selectionId', 'projectId'].includes(error.field ?? '');

  const close = () => {
    setAnswer(null);
    setProblem(null);
    setName('');
    setChosen(null);
    setWhich(null);
    adding.reset();
    onClose();
  };
  const submit = () => {
    if (!choice) return;
    const target = addTarget(kind, name, chosen);
    if ('problem' in target) {
      setProblem(target.problem);
      return;
    }
    setProblem(null);
    adding.mutate([mailing.id, choice.set, target.target]);
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={title}
      size="lg"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {answer ? (
        <Stack gap="sm">
          <Alert color="green" variant="light" role="status" title="Added">
            <Text size="sm" c="green.9">
              {format.number(answer.added)} {answer.added === 1 ? 'person was' : 'persons were'} added to the{' '}
              {answer.target.kind} “{answer.target.name}”.
            </Text>
            <SkippedList skipped={answer.skipped} />
          </Alert>
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack gap="md">
            {choices.length > 1 ? (
              <Radio.Group label="Who" value={choice?.value ?? null} onChange={setWhich}>
                <Stack gap={6} mt={4}>
                  {choices.map((c) => (
                    <Radio key={c.value} value={c.value} label={c.label} />
                  ))}
                </Stack>
              </Radio.Group>
            ) : (
              <Text size="sm">{choice?.label}</Text>
            )}
            <Radio.Group
              label="Where to"
              value={kind}
              onChange={(v) => {
                setKind(v as AddTargetKind);
                setChosen(null);
                setProblem(null);
              }}
            >
              <Group gap="lg" mt={4}>
                <Radio value="newSelection" label="A new selection" />
                <Radio value="selection" label="An existing selection" />
                {allowProjects && <Radio value="project" label="A project" />}
              </Group>
            </Radio.Group>
            {kind === 'newSelection' && (
              <TextInput
                label="Name of the new selection"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={(problem && kind === 'newSelection' ? problem : null) ?? errorOn('newSelectionName')}
                data-autofocus
              />
            )}
            {kind === 'selection' && (
              <NamedPicker
                kind="selections"
                label="Selection (static)"
                value={chosen}
                onChange={setChosen}
                error={problem ?? errorOn('selectionId')}
              />
            )}
            {kind === 'project' && (
              <NamedPicker
                kind="projects"
                label="Project"
                value={chosen}
                onChange={setChosen}
                error={problem ?? errorOn('projectId')}
              />
            )}
            <Text size="xs" c="dimmed">
              Only persons in the CRM can be members; others are skipped and counted.
            </Text>
            {generalError && error && (
              <Alert color="red" variant="light" role="alert" title="Nothing was added">
                <Text size="sm">{asSentence(error.message)}</Text>
                <Text size="xs" c="dimmed" mt={4}>
                  Code <Code>{error.code}</Code>
                </Text>
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={adding.isPending}>
                Add
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
