import {
  Alert,
  Box,
  Button,
  Code,
  Group,
  Modal,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../api/client';
import { asSentence, toApiError } from '../api/errors';
import type { Channel } from '../api/types';
import { channelLabels } from '../mailings/labels';
import { fieldMessage, isFormError } from './errors';
import { FolderSelect } from './FolderSelect';
import { closeButtonProps } from './notify';
import { createBody, patchBody, type TemplateValues, templateProblems, valuesOf } from './templateForm';
import type { LibraryTemplate } from './types';

const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } };

/**
 * Create or change a template: name, description, and the channel's setup fields and content.
 * E-mail content is edited as MJML or HTML source here (the block editor lives in the wizard).
 * A starter opens read-only: it cannot be changed, only copied.
 */
export function TemplateEditor({
  template,
  channel,
  folderId,
  onClose,
}: {
  /** null: a new template of `channel`, in `folderId`. */
  template: LibraryTemplate | null;
  channel: Channel;
  folderId: number | null;
  onClose: () => void;
}) {
  const [values, setValues] = useState<TemplateValues>(() => valuesOf(template, channel, folderId));
  const [tried, setTried] = useState(false);
  const queryClient = useQueryClient();
  const readOnly = template?.starter ?? false;
  const set = (patch: Partial<TemplateValues>) => setValues((v) => ({ ...v, ...patch }));
  const save = useMutation({
    mutationFn: () =>
      template
        ? call<LibraryTemplate>(() =>
            api.PATCH('/api/v1/templates/{id}', {
              params: { path: { id: template.id } },
              body: patchBody(channel, values),
            }),
          )
        : call<LibraryTemplate>(() => api.POST('/api/v1/templates', { body: createBody(channel, values) })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['templates'] });
      onClose();
    },
  });
  const error = save.error ? toApiError(save.error) : null;
  const problems = tried ? templateProblems(values) : {};
  const fields = ['name', 'description', 'folderId', 'setup', 'content'];
  const at = (...names: string[]) => fieldMessage(error, ...names);

  return (
    <Modal
      closeButtonProps={closeButtonProps}
      opened
      onClose={onClose}
      size="xl"
      title={
        readOnly
          ? `Starter template: ${template?.name}`
          : template
            ? `Edit template: ${template.name}`
            : `New ${channelLabels[channel]} template`
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setTried(true);
          if (Object.keys(templateProblems(values)).length === 0) save.mutate();
        }}
      >
        <Stack gap="md">
          {readOnly && (
            <Alert color="blue" variant="light">
              Starter templates come with Posthorn and cannot be changed. Copy it to make your own.
            </Alert>
          )}
          <TextInput
            label="Name"
            value={values.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
            required
            readOnly={readOnly}
            data-autofocus
            error={problems.name ?? at('name')}
          />
          <Textarea
            label="Description"
            description="What the template is for (shown when a mailing is started from it)"
            value={values.description}
            onChange={(e) => set({ description: e.currentTarget.value })}
            readOnly={readOnly}
            autosize
            minRows={2}
            error={at('description')}
          />
          <FolderSelect
            kind="template"
            value={values.folderId}
            onChange={(id) => set({ folderId: id })}
            readOnly={readOnly}
            error={at('folderId')}
          />
          {channel === 'sms' && (
            <>
              <TextInput
                label="Sender"
                description="A name (up to 11 letters) or a phone number; empty: the mailing's own"
                value={values.sender}
                onChange={(e) => set({ sender: e.currentTarget.value })}
                readOnly={readOnly}
                error={at('setup.sender')}
              />
              <Textarea
                label="Text"
                value={values.text}
                onChange={(e) => set({ text: e.currentTarget.value })}
                readOnly={readOnly}
                autosize
                minRows={4}
                error={at('content')}
              />
            </>
          )}
          {channel === 'document' && (
            <>
              <TextInput
                label="Heading"
                value={values.heading}
                onChange={(e) => set({ heading: e.currentTarget.value })}
                readOnly={readOnly}
                error={at('setup.heading')}
              />
              <Textarea
                label="Letter text"
                value={values.body}
                onChange={(e) => set({ body: e.currentTarget.value })}
                readOnly={readOnly}
                autosize
                minRows={8}
                error={at('content')}
              />
            </>
          )}
          {channel !== 'sms' && channel !== 'document' && (
            <EmailFields values={values} set={set} readOnly={readOnly} at={at} />
          )}
          {error && isFormError(error, fields) && (
            <Alert color="red" variant="light" role="alert" title="The template was not saved">
              {asSentence(error.message)} <Code>{error.code}</Code>
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {readOnly ? 'Close' : 'Cancel'}
            </Button>
            {!readOnly && (
              <Button type="submit" loading={save.isPending}>
                {template ? 'Save' : 'Create'}
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function EmailFields({
  values,
  set,
  readOnly,
  at,
}: {
  values: TemplateValues;
  set: (patch: Partial<TemplateValues>) => void;
  readOnly: boolean;
  at: (...fields: string[]) => string | undefined;
}) {
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Subject"
          description="Empty: the mailing's own subject"
          value={values.subject}
          onChange={(e) => set({ subject: e.currentTarget.value })}
          readOnly={readOnly}
          error={at('setup.subject')}
        />
        <TextInput
          label="Preheader"
          description="The line inboxes show after the subject"
          value={values.preheader}
          onChange={(e) => set({ preheader: e.currentTarget.value })}
          readOnly={readOnly}
          error={at('setup.preheader')}
        />
      </SimpleGrid>
      <Stack gap={4}>
        <Text size="sm" fw={500} id="template-format">
          Content format
        </Text>
        <SegmentedControl
          aria-labelledby="template-format"
          data={[
            { value: 'mjml', label: 'MJML (responsive)' },
            { value: 'html', label: 'HTML' },
          ]}
          value={values.format}
          onChange={(v) => set({ format: v === 'html' ? 'html' : 'mjml' })}
          readOnly={readOnly}
          w="fit-content"
        />
      </Stack>
      <SimpleGrid cols={{ base: 1, md: values.format === 'html' ? 2 : 1 }}>
        <Textarea
          label={values.format === 'html' ? 'HTML source' : 'MJML source'}
          value={values.source}
          onChange={(e) => set({ source: e.currentTarget.value })}
          readOnly={readOnly}
          autosize
          minRows={12}
          maxRows={24}
          styles={mono}
          spellCheck={false}
          error={at('content')}
        />
        {values.format === 'html' ? (
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Preview
            </Text>
            <Box style={{ border: '1px solid var(--mantine-color-gray-4)', borderRadius: 4 }}>
              {/* no script, no same-origin: the template's HTML cannot reach the app */}
              <iframe
                title="Preview of the template"
                sandbox=""
                srcDoc={values.source}
                style={{ width: '100%', height: 360, border: 0, display: 'block', background: 'white' }}
              />
            </Box>
            <Text size="xs" c="dimmed">
              Merge fields show as written; a mailing fills them in per recipient.
            </Text>
          </Stack>
        ) : (
          <Text size="xs" c="dimmed">
            MJML becomes responsive HTML when a mailing uses the template: its Content step shows the preview.
          </Text>
        )}
      </SimpleGrid>
    </>
  );
}
