import {
  ActionIcon,
  Alert,
  Anchor,
  Button,
  Code,
  FileInput,
  Group,
  Modal,
  MultiSelect,
  Paper,
  Progress,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconEye, IconTrash, IconUpload } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../../api/client';
import { asSentence, toApiError } from '../../api/errors';
import type { RecipientOptions, RecipientRow } from '../../api/types';
import { warnText } from '../../app/colors';
import { ErrorState } from '../../app/ErrorState';
import { useFormat } from '../../format/FormatContext';
import {
  projectsQuery,
  recipientsQuery,
  selectionsQuery,
  sourcesQuery,
  summaryQuery,
  uploadRecipientFile,
} from '../api';
import { label, reasonLabels, recipientStatusLabels } from '../labels';
import { useWizard } from './context';
import {
  allRecipientsQuery,
  allRowsCap,
  type PersonChoice,
  personLabel,
  personsQuery,
} from './recipientsExtra';

const optionLabels: Record<keyof RecipientOptions, string> = {
  onePerAddress: 'One message per address (skip duplicates)',
  overrideConsent: 'Send also to persons without consent (needs the right to override consent)',
  includeCompanies: 'Include companies',
  preferCompany: "Prefer the company's address over the person's",
  updateListWhenSending: 'Update the list when sending',
};

/** What a picked or uploaded source counts: persons picked, or lines read from the file. */
function sourceUnit(kind: 'persons' | 'import', n: number): string {
  if (kind === 'persons') return n === 1 ? 'person' : 'persons';
  return n === 1 ? 'address' : 'addresses';
}

function ApiErrorLine({ error }: { error: unknown }) {
  if (!error) return null;
  const e = toApiError(error);
  return (
    <Text size="sm" c="red.9" role="alert">
      {asSentence(e.message)} <Code>{e.code}</Code>
    </Text>
  );
}

function Sources() {
  const { mailing, refresh, readOnly } = useWizard();
  const format = useFormat();
  const sources = useQuery(sourcesQuery(mailing.id));
  const selections = useQuery(selectionsQuery(''));
  const projects = useQuery(projectsQuery(''));
  const [selection, setSelection] = useState<string | null>(null);
  const [project, setProject] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [personSearch, setPersonSearch] = useState('');
  const [personQ] = useDebouncedValue(personSearch, 250);
  const found = useQuery(personsQuery(personQ));
  // the persons chosen so far stay listed (and labelled) whatever the search shows now
  const [picked, setPicked] = useState<PersonChoice[]>([]);
  const personOptions = [
    ...picked,
    ...(found.data?.items ?? []).filter((p) => !picked.some((q) => q.id === p.id)),
  ].map((p) => ({ value: String(p.id), label: personLabel(p) }));
  const add = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      call(() =>
        api.POST('/api/v1/mailings/{id}/recipient-sources', {
          params: { path: { id: mailing.id } },
          // the route takes this JSON or a multipart file, so it declares no body schema:
          // the JSON shapes are checked by the server (recipientSourceInput)
          body: body as unknown as undefined,
        }),
      ),
    onSuccess: refresh,
  });
  const upload = useMutation({
    mutationFn: (f: File) => uploadRecipientFile(mailing.id, f),
    onSuccess: async () => {
      setFile(null);
      await refresh();
    },
  });
  const update = useMutation({
    mutationFn: () =>
      call(() =>
        api.POST('/api/v1/mailings/{id}/recipients/refresh', {
          params: { path: { id: mailing.id } },
        }),
      ),
    onSuccess: refresh,
  });
  const summary = useQuery(summaryQuery(mailing.id));
  const unbuilt = summary.data ? summary.data.builtAt === null || summary.data.stale : false;
  const remove = useMutation({
    mutationFn: (sourceId: number) =>
      call(() =>
        api.DELETE('/api/v1/mailings/{id}/recipient-sources/{subId}', {
          params: { path: { id: mailing.id, subId: sourceId } },
        }),
      ),
    onSuccess: refresh,
  });

  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap">
        <Title order={2} size="h4">
          Where the recipients come from
        </Title>
        {!readOnly && (
          <Button
            variant={unbuilt ? 'filled' : 'default'}
            size="sm"
            onClick={() => update.mutate()}
            loading={update.isPending}
          >
            Update list
          </Button>
        )}
      </Group>
      {unbuilt && (
        <Text size="sm" c={warnText}>
          The list is not up to date with its sources: update it to see who receives the mailing.
        </Text>
      )}
      <ApiErrorLine error={update.error} />
      {sources.isError && <ErrorState error={sources.error} onRetry={() => void sources.refetch()} />}
      {sources.data && sources.data.items.length === 0 && (
        <Text size="sm" c="dimmed">
          No sources yet: link a selection or project in Setup, or add one here.
        </Text>
      )}
      {sources.data && sources.data.items.length > 0 && (
        <Table withTableBorder aria-label="Recipient sources">
          <Table.Tbody>
            {sources.data.items.map((s) => (
              <Table.Tr key={`${s.origin}-${s.kind}-${s.id ?? s.refId}`}>
                <Table.Td>
                  <Text size="sm">
                    {s.label}
                    {s.kind === 'persons' || s.kind === 'import' ? (
                      <Text span c="dimmed" size="sm">
                        {' '}
                        · {format.number(s.itemCount)} {sourceUnit(s.kind, s.itemCount)}
                      </Text>
                    ) : null}
                  </Text>
                  {s.origin === 'setup' && (
                    <Text size="xs" c="dimmed">
                      Linked in Setup
                    </Text>
                  )}
                  {s.invalidCount > 0 && (
                    <Text size="xs" c={warnText}>
                      {s.invalidCount} lines could not be read
                    </Text>
                  )}
                </Table.Td>
                <Table.Td w={60}>
                  {s.origin !== 'setup' && s.id !== null && !readOnly && (
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`Remove ${s.label}`}
                      onClick={() => s.id !== null && remove.mutate(s.id)}
                      loading={remove.isPending && remove.variables === s.id}
                    >
                      <IconTrash size={16} />
                    </ActionIcon>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ApiErrorLine error={remove.error} />
      {!readOnly && (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <Select
              label="Add a selection"
              placeholder="Choose"
              searchable
              data={(selections.data?.items ?? []).map((s) => ({ value: String(s.id), label: s.name }))}
              value={selection}
              onChange={setSelection}
              style={{ flex: 1 }}
            />
            <Button
              variant="default"
              disabled={!selection}
              loading={add.isPending}
              onClick={() => add.mutate({ kind: 'selection', selectionId: Number(selection) })}
            >
              Add
            </Button>
          </Group>
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <Select
              label="Add a project"
              placeholder="Choose"
              searchable
              data={(projects.data?.items ?? []).map((s) => ({ value: String(s.id), label: s.name }))}
              value={project}
              onChange={setProject}
              style={{ flex: 1 }}
            />
            <Button
              variant="default"
              disabled={!project}
              loading={add.isPending}
              onClick={() => add.mutate({ kind: 'project', projectId: Number(project) })}
            >
              Add
            </Button>
          </Group>
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <MultiSelect
              label="Add persons"
              description="Type a name, an e-mail address or a company name"
              placeholder={picked.length ? undefined : 'Search persons'}
              searchable
              searchValue={personSearch}
              onSearchChange={setPersonSearch}
              // the server searches; show what it found as it is
              filter={({ options }) => options}
              data={personOptions}
              value={picked.map((p) => String(p.id))}
              onChange={(ids) => {
                const known = [...picked, ...(found.data?.items ?? [])];
                setPicked(
                  ids
                    .map((id) => known.find((p) => String(p.id) === id))
                    .filter((p): p is PersonChoice => p !== undefined),
                );
              }}
              nothingFoundMessage={personQ ? 'Nobody found' : 'Start typing'}
              style={{ flex: 1 }}
            />
            <Button
              variant="default"
              disabled={picked.length === 0}
              loading={add.isPending}
              onClick={() =>
                add.mutate(
                  { kind: 'persons', personIds: picked.map((p) => p.id) },
                  { onSuccess: () => setPicked([]) },
                )
              }
            >
              Add
            </Button>
          </Group>
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <FileInput
              label="Upload a CSV or text file"
              accept=".csv,.txt,text/csv,text/plain"
              value={file}
              onChange={setFile}
              clearable
              style={{ flex: 1 }}
            />
            <Button
              variant="default"
              leftSection={<IconUpload size={16} aria-hidden />}
              disabled={!file}
              loading={upload.isPending}
              onClick={() => file && upload.mutate(file)}
            >
              Upload
            </Button>
          </Group>
        </SimpleGrid>
      )}
      <ApiErrorLine error={add.error} />
      <ApiErrorLine error={upload.error} />
    </Stack>
  );
}

function Options() {
  const { mailing, change, save, readOnly, fieldError } = useWizard();
  const [pending, setPending] = useState(false);
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Options
      </Title>
      {(Object.keys(optionLabels) as (keyof RecipientOptions)[]).map((key) => (
        <Switch
          key={key}
          label={optionLabels[key]}
          checked={mailing.recipientOptions[key]}
          disabled={readOnly || pending}
          error={fieldError(`recipientOptions.${key}`)}
          onChange={(e) => {
            change(`recipientOptions.${key}`, e.currentTarget.checked);
            setPending(true);
          }}
        />
      ))}
      {pending && (
        <Group>
          <Button
            size="xs"
            onClick={async () => {
              if (await save()) setPending(false);
            }}
          >
            Save and update the list
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** Statuses in the order a mailing moves through them (ready first), unknown ones last. */
function byStatusOrder(counts: Record<string, number>): [string, number][] {
  const order = Object.keys(recipientStatusLabels);
  const rank = (s: string) => (order.includes(s) ? order.indexOf(s) : order.length);
  return Object.entries(counts).sort(([a], [b]) => rank(a) - rank(b));
}

function Summary({ reason, onReason }: { reason: string | null; onReason: (r: string | null) => void }) {
  const { mailing } = useWizard();
  const format = useFormat();
  const summary = useQuery(summaryQuery(mailing.id));
  if (summary.isError) return <ErrorState error={summary.error} onRetry={() => void summary.refetch()} />;
  const s = summary.data;
  if (!s) return null;
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">
        Summary
      </Title>
      {s.building && (
        <Stack gap={4}>
          <Text size="sm">
            Building the list: {format.number(s.building.done)} of {format.number(s.building.total)}
          </Text>
          <Progress
            value={s.building.total ? (100 * s.building.done) / s.building.total : 0}
            aria-label="Building the recipient list"
          />
        </Stack>
      )}
      {s.buildError && (
        <Alert color="red" variant="light" title="The list could not be built">
          {asSentence(s.buildError.message)}
        </Alert>
      )}
      <Paper withBorder p="md">
        <Table aria-label="Recipients by status" verticalSpacing={4}>
          <Table.Tbody>
            {byStatusOrder(s.byStatus).map(([status, n]) => (
              <Table.Tr key={status}>
                <Table.Td>{label(recipientStatusLabels, status)}</Table.Td>
                <Table.Td ta="right">{format.number(n)}</Table.Td>
              </Table.Tr>
            ))}
            <Table.Tr fw={700}>
              <Table.Td>Total</Table.Td>
              <Table.Td ta="right">{format.number(s.total)}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Paper>
      {Object.keys(s.byReason).length > 0 && (
        <Paper withBorder p="md">
          <Text size="sm" fw={600} mb={4}>
            Why recipients are blocked
          </Text>
          <Table aria-label="Blocked recipients by reason" verticalSpacing={4}>
            <Table.Tbody>
              {Object.entries(s.byReason).map(([r, n]) => (
                <Table.Tr key={r}>
                  <Table.Td>
                    <Anchor
                      component="button"
                      type="button"
                      size="sm"
                      fw={reason === r ? 700 : 400}
                      aria-pressed={reason === r}
                      onClick={() => onReason(reason === r ? null : r)}
                    >
                      {label(reasonLabels, r)}
                    </Anchor>
                  </Table.Td>
                  <Table.Td ta="right">{format.number(n)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </Stack>
  );
}

function Rows({ reason, onReason }: { reason: string | null; onReason: (r: string | null) => void }) {
  const { mailing } = useWizard();
  const [status, setStatus] = useState<string | null>(null);
  const summary = useQuery(summaryQuery(mailing.id));
  const shownStatus = reason ? 'blocked' : status;
  const [all, setAll] = useState(false);
  const first = useQuery({ ...recipientsQuery(mailing.id, shownStatus, reason), enabled: !all });
  const everyRow = useQuery({ ...allRecipientsQuery(mailing.id, shownStatus, reason), enabled: all });
  const rows = all ? everyRow : first;
  const [previewOf, setPreviewOf] = useState<RecipientRow | null>(null);
  const format = useFormat();
  return (
    <Stack gap="sm">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Select
          label="Status"
          placeholder="All"
          clearable
          data={Object.keys(summary.data?.byStatus ?? {}).map((v) => ({
            value: v,
            label: label(recipientStatusLabels, v),
          }))}
          value={reason ? 'blocked' : status}
          onChange={(v) => {
            setStatus(v);
            if (v !== 'blocked') onReason(null);
          }}
          w={180}
        />
        <Select
          label="Reason"
          placeholder="Any reason"
          clearable
          data={Object.keys(summary.data?.byReason ?? {}).map((v) => ({
            value: v,
            label: label(reasonLabels, v),
          }))}
          value={reason}
          onChange={onReason}
          w={220}
        />
      </Group>
      {rows.isError && <ErrorState error={rows.error} onRetry={() => void rows.refetch()} />}
      <Table.ScrollContainer minWidth={640} type="native">
        <Table aria-label="Recipients" withTableBorder striped aria-busy={rows.isFetching}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Company</Table.Th>
              <Table.Th>Address</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>
                <VisuallyHidden>Preview</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.data?.items.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.name ?? '—'}</Table.Td>
                <Table.Td>{r.companyName ?? '—'}</Table.Td>
                <Table.Td>{r.address ?? '—'}</Table.Td>
                <Table.Td>
                  {label(recipientStatusLabels, r.status)}
                  {r.reason ? ` · ${label(reasonLabels, r.reason)}` : ''}
                </Table.Td>
                <Table.Td w={60}>
                  <ActionIcon
                    variant="subtle"
                    aria-label={`Preview for ${r.name ?? r.address ?? `recipient ${r.id}`}`}
                    onClick={() => setPreviewOf(r)}
                  >
                    <IconEye size={16} aria-hidden />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
            {rows.data && rows.data.items.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text size="sm" c="dimmed" ta="center">
                    No recipients here.
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {rows.data && rows.data.total > rows.data.items.length && (
        <Group gap="sm">
          <Text size="sm" c="dimmed">
            The first {format.number(rows.data.items.length)} of {format.number(rows.data.total)}.
          </Text>
          {!all && (
            <Button size="xs" variant="default" onClick={() => setAll(true)}>
              {rows.data.total > allRowsCap ? `Load ${format.number(allRowsCap)}` : 'Load all'}
            </Button>
          )}
        </Group>
      )}
      {all && everyRow.isFetching && (
        <Text size="sm" c="dimmed" role="status">
          Loading every recipient…
        </Text>
      )}
      <Modal
        opened={previewOf !== null}
        onClose={() => setPreviewOf(null)}
        title={`Preview for ${previewOf?.name ?? previewOf?.address ?? ''}`}
        size="xl"
      >
        {previewOf && (
          // the server's render for this recipient (preview = send), in a frame that runs nothing
          <iframe
            title={`Preview for ${previewOf.name ?? previewOf.address ?? `recipient ${previewOf.id}`}`}
            sandbox=""
            src={`/api/v1/mailings/${mailing.id}/preview/html?recipientId=${previewOf.id}`}
            style={{ width: '100%', height: '70vh', border: '1px solid var(--mantine-color-gray-3)' }}
          />
        )}
      </Modal>
    </Stack>
  );
}

export function RecipientsStep() {
  const [reason, setReason] = useState<string | null>(null);
  return (
    <Stack gap="xl">
      <Sources />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
        <Summary reason={reason} onReason={setReason} />
        <Options />
      </SimpleGrid>
      <Rows reason={reason} onReason={setReason} />
    </Stack>
  );
}
