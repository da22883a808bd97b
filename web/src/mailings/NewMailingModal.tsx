import {
  Alert,
  Button,
  Code,
  Group,
  Modal,
  Radio,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api, call } from '../api/client';
import { asSentence, toApiError } from '../api/errors';
import type { Channel, Mailing } from '../api/types';
import { closeButtonProps } from '../library/notify';
import { templatesQuery } from './api';

const channels: { value: Channel; label: string }[] = [
  { value: 'email', label: 'E-mail' },
  { value: 'sms', label: 'SMS' },
  { value: 'document', label: 'Document' },
];

/** The template a mailing starts from when it is created from the Templates library. */
export interface FromTemplate {
  id: number;
  name: string;
  channel: Channel;
}

/**
 * New mailing: channel, starter template (or blank) and name; then the wizard opens. Opened from a
 * template, only the name is asked (the template's channel and content are used). Created in
 * `folderId` when the list shows a folder.
 */
export function NewMailingModal({
  opened,
  onClose,
  folderId,
  template,
}: {
  opened: boolean;
  onClose: () => void;
  folderId?: number | undefined;
  template?: FromTemplate | undefined;
}) {
  const [chosenChannel, setChannel] = useState<Channel>('email');
  const [starter, setStarter] = useState('blank');
  const [name, setName] = useState('');
  const channel = template?.channel ?? chosenChannel;
  const templates = useQuery({ ...templatesQuery(channel), enabled: opened && !template });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: async () => {
      const mailing = await call<Mailing>(() =>
        api.POST('/api/v1/mailings', {
          body: {
            name: name.trim(),
            channel,
            ...(folderId ? { folderId } : {}),
            ...(template ? { templateId: template.id } : {}),
          },
        }),
      );
      // created with templateId, the mailing has its template (the Template step is done)
      if (template) return mailing;
      const body = starter === 'blank' ? { blank: true as const } : { templateId: Number(starter) };
      await call(() =>
        api.POST('/api/v1/mailings/{id}/template', {
          params: { path: { id: mailing.id } },
          body,
        }),
      );
      return mailing;
    },
    onSuccess: async (mailing) => {
      await queryClient.invalidateQueries({ queryKey: ['mailings', 'list'] });
      onClose();
      void navigate({ to: '/mailings/$id', params: { id: String(mailing.id) }, search: { step: 'setup' } });
    },
  });
  const error = create.error ? toApiError(create.error) : null;

  return (
    <Modal
      closeButtonProps={closeButtonProps}
      opened={opened}
      onClose={onClose}
      title={template ? `New mailing from “${template.name}”` : 'New mailing'}
      size="lg"
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack gap="md">
          <TextInput
            label="Name"
            description="Only your team sees it"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            data-autofocus
            error={error?.field === 'name' ? `${asSentence(error.message)} (${error.code})` : undefined}
          />
          {template ? (
            <Text size="sm">
              A {channels.find((c) => c.value === template.channel)?.label ?? template.channel} mailing with
              the template's content; the wizard opens at Setup.
            </Text>
          ) : (
            <>
              <Stack gap={4}>
                <Text size="sm" fw={500} id="new-mailing-channel">
                  Channel
                </Text>
                <SegmentedControl
                  aria-labelledby="new-mailing-channel"
                  data={channels}
                  value={channel}
                  onChange={(v) => {
                    setChannel(v as Channel);
                    setStarter('blank');
                  }}
                />
              </Stack>
              <Radio.Group label="Start from" value={starter} onChange={setStarter}>
                <Stack gap="xs" mt="xs">
                  <Radio value="blank" label="Blank" description="An empty message" />
                  {templates.data?.items.map((t) => (
                    <Radio
                      key={t.id}
                      value={String(t.id)}
                      label={t.name}
                      description={t.description ?? undefined}
                    />
                  ))}
                </Stack>
              </Radio.Group>
            </>
          )}
          {error && error.field !== 'name' && (
            <Alert color="red" variant="light" role="alert" title="The mailing was not created">
              {asSentence(error.message)} <Code>{error.code}</Code>
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
