import { Fieldset, Group, Select, SimpleGrid, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { Named } from '../../api/types';
import { namedListQuery, subscriptionTypesQuery } from '../api';
import { useWizard } from './context';

/** Options of a type-ahead, keeping the chosen one listed even when the search does not find it. */
function options(items: Named[] | undefined, chosen: number | null, chosenLabel: string) {
  const list = (items ?? []).map((i) => ({ value: String(i.id), label: i.name }));
  if (chosen !== null && !list.some((o) => o.value === String(chosen)))
    list.unshift({ value: String(chosen), label: chosenLabel });
  return list;
}

/** A Select of selections or projects that searches as you type (`?q=`). */
function TypeAhead({
  label,
  description,
  value,
  field,
  kind,
}: {
  label: string;
  description: string;
  value: number | null;
  field: string;
  kind: 'selections' | 'projects';
}) {
  const { change, fieldError, readOnly } = useWizard();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const all = useQuery(namedListQuery(kind, ''));
  const found = useQuery(namedListQuery(kind, q));
  const chosenName = all.data?.items.find((i) => i.id === value)?.name ?? `#${value}`;
  return (
    <Select
      label={label}
      description={description}
      placeholder="None"
      searchable
      clearable
      disabled={readOnly}
      data={options(q ? found.data?.items : all.data?.items, value, chosenName)}
      value={value === null ? null : String(value)}
      onChange={(v) => change(field, v === null ? null : Number(v))}
      onSearchChange={setSearch}
      nothingFoundMessage="Nothing found"
      error={fieldError(field)}
    />
  );
}

export function SetupStep() {
  const { mailing, change, fieldError, readOnly } = useWizard();
  const setup = mailing.setup;
  const types = useQuery(subscriptionTypesQuery);
  // PRODUCT.md §8, the Setup link rule: a linked project is a source only when no selection is
  const bothLinked = mailing.selectionId !== null && mailing.projectId !== null;
  const text = (
    label: string,
    field: string,
    value: string | undefined,
    extra: Record<string, unknown> = {},
  ) => (
    <TextInput
      label={label}
      value={value ?? ''}
      onChange={(e) => change(field, e.currentTarget.value)}
      error={fieldError(field)}
      readOnly={readOnly}
      {...extra}
    />
  );

  return (
    <Stack gap="lg" maw={760}>
      {text('Name of the mailing', 'name', mailing.name, {
        description: 'Only your team sees it',
        withAsterisk: true,
      })}

      {mailing.channel === 'email' && (
        <>
          <Fieldset legend="Message">
            <Stack gap="sm">
              {text('Subject', 'setup.subject', setup.subject, { withAsterisk: true })}
              {text('Preheader', 'setup.preheader', setup.preheader, {
                description: 'The short text the inbox shows after the subject',
              })}
            </Stack>
          </Fieldset>
          <Fieldset legend="Sender">
            <Stack gap="sm">
              <Select
                label="From"
                data={[
                  { value: 'always', label: 'Always the name and address below' },
                  { value: 'ourContact', label: "The recipient's contact person at our company, where set" },
                ]}
                value={setup.from?.rule ?? 'always'}
                onChange={(v) => v && change('setup.from.rule', v)}
                allowDeselect={false}
                disabled={readOnly}
                error={fieldError('setup.from.rule')}
              />
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                {text('From name', 'setup.from.name', setup.from?.name)}
                {text('From address', 'setup.from.address', setup.from?.address, {
                  type: 'email',
                  withAsterisk: true,
                })}
              </SimpleGrid>
              <Select
                label="Replies go to"
                data={[
                  { value: 'sameAsFrom', label: 'The From address' },
                  { value: 'own', label: 'Another address' },
                ]}
                value={setup.replyTo?.rule ?? 'sameAsFrom'}
                onChange={(v) => v && change('setup.replyTo.rule', v)}
                allowDeselect={false}
                disabled={readOnly}
              />
              {setup.replyTo?.rule === 'own' && (
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  {text('Reply-to name', 'setup.replyTo.name', setup.replyTo?.name)}
                  {text('Reply-to address', 'setup.replyTo.address', setup.replyTo?.address, {
                    type: 'email',
                  })}
                </SimpleGrid>
              )}
            </Stack>
          </Fieldset>
        </>
      )}

      {mailing.channel === 'sms' && (
        <Fieldset legend="Sender">
          <Stack gap="sm">
            {text('Sender', 'setup.sender', setup.sender, {
              description: 'Up to 11 letters and digits, or a phone number',
              withAsterisk: true,
            })}
            <Switch
              label="Recipients can reply (the sender must be a phone number)"
              checked={setup.allowReplies ?? false}
              onChange={(e) => change('setup.allowReplies', e.currentTarget.checked)}
              disabled={readOnly}
            />
          </Stack>
        </Fieldset>
      )}

      {mailing.channel === 'document' && (
        <Fieldset legend="Letter">
          <Stack gap="sm">
            {text('Heading', 'setup.heading', setup.heading, { withAsterisk: true })}
            {text('Our reference', 'setup.ourReference', setup.ourReference)}
            <Select
              label="Attention line"
              data={[
                { value: 'ifNoneDefined', label: "The recipient's name, else the text below" },
                { value: 'always', label: 'Always the text below' },
              ]}
              value={setup.attention?.rule ?? 'ifNoneDefined'}
              onChange={(v) => v && change('setup.attention.rule', v)}
              allowDeselect={false}
              disabled={readOnly}
            />
            {text('Attention text', 'setup.attention.text', setup.attention?.text)}
            <Textarea
              label="Sender block"
              autosize
              minRows={3}
              value={setup.senderBlock ?? ''}
              onChange={(e) => change('setup.senderBlock', e.currentTarget.value)}
              error={fieldError('setup.senderBlock')}
              readOnly={readOnly}
            />
          </Stack>
        </Fieldset>
      )}

      <Fieldset legend="Who receives it">
        <Stack gap="sm">
          <Select
            label="Subscription type"
            description="Only persons subscribed to this type receive the mailing"
            data={[
              { value: 'any', label: 'Any (no subscription needed)' },
              ...(types.data?.items ?? []).map((t) => ({ value: String(t.id), label: t.name })),
            ]}
            value={mailing.subscriptionTypeId === null ? 'any' : String(mailing.subscriptionTypeId)}
            onChange={(v) => change('subscriptionTypeId', !v || v === 'any' ? null : Number(v))}
            allowDeselect={false}
            disabled={readOnly}
            error={fieldError('subscriptionTypeId')}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TypeAhead
              label="Selection"
              description="The persons or companies of a saved selection"
              value={mailing.selectionId}
              field="selectionId"
              kind="selections"
            />
            <TypeAhead
              label="Project"
              description="The members of a project"
              value={mailing.projectId}
              field="projectId"
              kind="projects"
            />
          </SimpleGrid>
          {bothLinked ? (
            <Text size="sm" role="status">
              Both are linked: only the selection’s persons receive it (the selection wins; the project is not
              used).
            </Text>
          ) : (
            <Text size="sm" c="dimmed">
              Link a selection or a project. When both are linked, the selection wins: the project is not
              used. More sources can be added under Recipients.
            </Text>
          )}
        </Stack>
      </Fieldset>

      {mailing.channel === 'email' && (
        <Fieldset legend="Tracking">
          <Stack gap="sm">
            <Switch
              label="Count opens"
              checked={setup.tracking?.opens ?? true}
              onChange={(e) => change('setup.tracking.opens', e.currentTarget.checked)}
              disabled={readOnly}
            />
            <Switch
              label="Count clicks on every link"
              checked={setup.tracking?.allLinks ?? true}
              onChange={(e) => change('setup.tracking.allLinks', e.currentTarget.checked)}
              disabled={readOnly}
            />
            <Switch
              label="Add UTM parameters to links (for web analytics)"
              checked={setup.tracking?.utm?.enabled ?? false}
              onChange={(e) => change('setup.tracking.utm.enabled', e.currentTarget.checked)}
              disabled={readOnly}
            />
            {setup.tracking?.utm?.enabled && (
              <Group grow>
                {text('UTM source', 'setup.tracking.utm.source', setup.tracking.utm.source)}
                {text('UTM campaign', 'setup.tracking.utm.campaign', setup.tracking.utm.campaign)}
              </Group>
            )}
          </Stack>
        </Fieldset>
      )}
    </Stack>
  );
}
