import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  Skeleton,
  Stack,
  Tabs,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle, IconArrowLeft, IconCircleCheck, IconCircleDashed } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useBlocker, useNavigate } from '@tanstack/react-router';
import { useCallback, useMemo, useRef, useState } from 'react';
import { api, call } from '../../api/client';
import { asSentence, toApiError } from '../../api/errors';
import type { MailingDetail, StepName } from '../../api/types';
import { warnText } from '../../app/colors';
import { ErrorState } from '../../app/ErrorState';
import { mailingRoute } from '../../app/router';
import { meQuery } from '../../auth/api';
import { mailingQuery, stepsQuery } from '../api';
import { channelLabels, stateColors, stateLabels } from '../labels';
import { ConfirmStep } from './ConfirmStep';
import { ContentStep } from './ContentStep';
import { WizardContext, type WizardContextValue } from './context';
import { changes, fieldErrors, mergePatch, type Patch, withChange } from './draft';
import { ProgressPanel } from './ProgressPanel';
import { RecipientsStep } from './RecipientsStep';
import { SetupStep } from './SetupStep';
import { errorsFor, stepViews } from './steps';
import { TemplateStep } from './TemplateStep';

const stepIcons = {
  complete: <IconCircleCheck size={18} color="var(--mantine-color-green-8)" aria-hidden />,
  incomplete: <IconAlertCircle size={18} color="var(--mantine-color-red-9)" aria-hidden />,
  unknown: <IconCircleDashed size={18} aria-hidden />,
};
const stateWords = { complete: 'complete', incomplete: 'needs attention', unknown: 'checking' };

/** The mailing wizard: Setup · Template · Content · Recipients · Confirm, with progress once sent. */
export function WizardPage() {
  const { id: raw } = mailingRoute.useParams();
  const id = Number(raw);
  const search = mailingRoute.useSearch();
  const step: StepName = search.step ?? 'setup';
  const navigate = useNavigate({ from: mailingRoute.fullPath });
  const queryClient = useQueryClient();
  const me = useQuery(meQuery).data;
  const mailing = useQuery(mailingQuery(id));
  const steps = useQuery(stepsQuery(id));
  const [patch, setPatch] = useState<Patch>({});
  useDocumentTitle(`${mailing.data?.name ?? 'Mailing'} · Posthorn`);

  const refresh = useCallback(async () => {
    await queryClient.invalidateQueries({ queryKey: ['mailings', id] });
    await queryClient.invalidateQueries({ queryKey: ['mailings', 'list'] });
  }, [queryClient, id]);

  const saving = useMutation({
    mutationFn: (body: Patch) =>
      call<MailingDetail>(() => api.PATCH('/api/v1/mailings/{id}', { params: { path: { id } }, body: body })),
    onSuccess: async (saved) => {
      queryClient.setQueryData(mailingQuery(id).queryKey, saved);
      // saved: a navigation that follows (Save and close) is not blocked by the old state
      dirtyRef.current = false;
      setPatch({});
      await refresh();
    },
  });

  const dirty = Object.keys(patch).length > 0;
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  // leaving the wizard with unsaved changes asks first (changing steps saves them, so it passes)
  const blocker = useBlocker({
    shouldBlockFn: ({ current, next }) => dirtyRef.current && current.pathname !== next.pathname,
    enableBeforeUnload: () => dirtyRef.current,
    withResolver: true,
  });
  const save = useCallback(async () => {
    if (!dirty) return true;
    try {
      await saving.mutateAsync(patch);
      return true;
    } catch {
      return false;
    }
  }, [dirty, patch, saving]);

  const saveError = saving.error ? toApiError(saving.error) : null;
  const refused = useMemo(() => fieldErrors(saveError), [saveError]);
  const view = useMemo(
    () => (mailing.data ? mergePatch(mailing.data, patch) : undefined),
    [mailing.data, patch],
  );

  if (mailing.isError && !mailing.data)
    return (
      <ErrorState
        error={mailing.error}
        onRetry={() => void mailing.refetch()}
        title="The mailing could not be loaded"
      />
    );
  if (!view || !me)
    return (
      <Stack gap="md" maw={1100} aria-busy>
        <Skeleton height={32} width={320} />
        <Skeleton height={40} />
        <Skeleton height={300} />
      </Stack>
    );

  const readOnly = !me.rights.includes('editMailings') || !['draft', 'scheduled'].includes(view.state);
  const ctx: WizardContextValue = {
    mailing: view,
    steps: steps.data?.items,
    me,
    dirty,
    saving: saving.isPending,
    saveError,
    change: (path, value) => {
      if (saving.error) saving.reset();
      setPatch((p) => withChange(p, path, value));
    },
    save,
    // a step's verdict is about the saved mailing: not shown on a field being edited
    fieldError: (field) =>
      refused[field] ?? (changes(patch, field) ? undefined : errorsFor(steps.data?.items, field)),
    refresh,
    readOnly,
  };
  // once sent, the steps' checks no longer apply (e.g. nobody is left to send to)
  const sent = !['draft', 'scheduled'].includes(view.state);
  const views = stepViews(sent ? undefined : steps.data?.items);
  const goTo = async (next: string | null) => {
    if (!next || next === step) return;
    if (!(await save())) return;
    void navigate({ search: { step: next as StepName }, replace: true });
  };

  return (
    <WizardContext.Provider value={ctx}>
      <Stack gap="md" maw={1100}>
        <Anchor component={Link} to="/mailings" size="sm">
          <Group gap={4}>
            <IconArrowLeft size={16} aria-hidden /> Mailings
          </Group>
        </Anchor>
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
          <Stack gap={4}>
            <Title order={1} size="h2">
              {mailing.data?.name}
            </Title>
            <Group gap="xs">
              <Badge variant="outline" color="gray" radius="sm">
                {channelLabels[view.channel]}
              </Badge>
              {/* dark text on the state's tint: the light variant's own text fails contrast (Finished) */}
              <Badge
                color={stateColors[view.state]}
                styles={{ label: { color: 'var(--mantine-color-text)' } }}
                variant="light"
                radius="sm"
              >
                {stateLabels[view.state]}
              </Badge>
              {dirty && (
                <Text size="sm" c={warnText}>
                  Unsaved changes
                </Text>
              )}
            </Group>
          </Stack>
          {!readOnly && (
            <Group gap="sm">
              <Button
                variant="default"
                onClick={() => void save()}
                disabled={!dirty}
                loading={saving.isPending}
              >
                Save
              </Button>
              <Button
                onClick={async () => {
                  if (await save()) void navigate({ to: '/mailings' });
                }}
                loading={saving.isPending}
              >
                Save and close
              </Button>
            </Group>
          )}
        </Group>

        {dirty && mailing.data?.state === 'scheduled' && (
          <Alert color="blue" variant="light" role="status">
            Saving a change takes this mailing off its schedule: schedule it again on Confirm.
          </Alert>
        )}

        {saveError && (
          <Alert color="red" variant="light" title="Your changes were not saved" role="alert">
            <Text size="sm">{asSentence(saveError.message)}</Text>
            <Group gap="sm" mt={6}>
              {saveError.retryable && (
                <Button size="xs" variant="white" onClick={() => void save()} loading={saving.isPending}>
                  Try again
                </Button>
              )}
              <Text size="xs" c="dimmed">
                Code <Code>{saveError.code}</Code> · your input is kept:{' '}
                {saveError.retryable ? 'try again in a moment.' : 'correct it and save again.'}
              </Text>
            </Group>
          </Alert>
        )}

        <Modal
          opened={blocker.status === 'blocked'}
          onClose={() => blocker.reset?.()}
          title="Leave without saving?"
          size={560}
          centered
        >
          <Stack gap="md">
            <Text size="sm">Your changes to this mailing are not saved yet.</Text>
            {saveError && (
              <Text size="sm" c="red.9">
                The last save failed: {asSentence(saveError.message)} (code {saveError.code})
              </Text>
            )}
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={() => blocker.reset?.()}>
                Stay
              </Button>
              <Button color="red.9" variant="outline" onClick={() => blocker.proceed?.()}>
                Leave without saving
              </Button>
              {!readOnly && (
                <Button
                  loading={saving.isPending}
                  onClick={async () => {
                    if (await save()) blocker.proceed?.();
                    else blocker.reset?.();
                  }}
                >
                  Save and leave
                </Button>
              )}
            </Group>
          </Stack>
        </Modal>

        {sent && <ProgressPanel />}

        <Tabs value={step} onChange={(v) => void goTo(v)} keepMounted={false}>
          <Tabs.List aria-label="Wizard steps">
            {views.map((s, i) => (
              <Tabs.Tab key={s.name} value={s.name} leftSection={sent ? null : stepIcons[s.state]}>
                {i + 1}. {s.label}
                {!sent && <VisuallyHidden> ({stateWords[s.state]})</VisuallyHidden>}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {views.map((s) => (
            <Tabs.Panel key={s.name} value={s.name} pt="lg">
              {s.errors.length > 0 && s.name !== 'confirm' && (
                <Alert
                  color="red"
                  variant="light"
                  mb="md"
                  title={`${s.label} needs attention${dirty ? ' (as last saved)' : ''}`}
                >
                  <Stack gap={2}>
                    {s.errors.map((e) => (
                      <Text size="sm" key={`${e.field}-${e.code}`}>
                        {asSentence(e.message)}
                      </Text>
                    ))}
                  </Stack>
                </Alert>
              )}
              {s.name === 'setup' && <SetupStep />}
              {s.name === 'template' && <TemplateStep onChosen={() => void goTo('content')} />}
              {s.name === 'content' && <ContentStep />}
              {s.name === 'recipients' && <RecipientsStep />}
              {s.name === 'confirm' &&
                (sent ? (
                  <Text size="sm">This mailing has been sent: its progress is shown above.</Text>
                ) : (
                  <ConfirmStep onStep={(n) => void goTo(n)} />
                ))}
            </Tabs.Panel>
          ))}
        </Tabs>
      </Stack>
    </WizardContext.Provider>
  );
}
