import { Alert, Button, Card, Code, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { modals } from '@mantine/modals';
import { IconFile, IconTemplate } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, call } from '../../api/client';
import { asSentence, toApiError } from '../../api/errors';
import { okText } from '../../app/colors';
import { ErrorState } from '../../app/ErrorState';
import { templatesQuery } from '../api';
import { useWizard } from './context';

/** Choose a starter for the channel, or start blank; either replaces the content. */
export function TemplateStep({ onChosen }: { onChosen: () => void }) {
  const { mailing, refresh, readOnly } = useWizard();
  const templates = useQuery(templatesQuery(mailing.channel));
  const choose = useMutation({
    mutationFn: (body: { templateId: number } | { blank: true }) =>
      call(() =>
        api.POST('/api/v1/mailings/{id}/template', {
          params: { path: { id: mailing.id } },
          body: body,
        }),
      ),
    onSuccess: async () => {
      await refresh();
      onChosen();
    },
  });
  const error = choose.error ? toApiError(choose.error) : null;
  const hasContent = Boolean(mailing.content.source || mailing.content.text || mailing.content.body);
  // the content is replaced: asked first when there is any
  const apply = (body: { templateId: number } | { blank: true }, what: string) => {
    if (!hasContent) return choose.mutate(body);
    modals.openConfirmModal({
      title: 'Replace the content?',
      children: (
        <Text size="sm">
          {what} replaces what this mailing contains now. Setup and recipients stay as they are.
        </Text>
      ),
      labels: { confirm: 'Replace the content', cancel: 'Keep it' },
      onConfirm: () => choose.mutate(body),
    });
  };

  if (templates.isError)
    return <ErrorState error={templates.error} onRetry={() => void templates.refetch()} />;
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        Start from a template or from a blank page. Choosing replaces the content of this mailing.
      </Text>
      {error && (
        <Alert color="red" variant="light" role="alert" title="The template was not applied">
          {asSentence(error.message)} <Code>{error.code}</Code>
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
        <Card withBorder padding="md">
          <Stack gap="xs" h="100%" justify="space-between">
            <Group gap="xs">
              <IconFile size={20} aria-hidden />
              <Text fw={600}>Blank</Text>
            </Group>
            <Text size="sm" c="dimmed">
              An empty message: write it yourself.
            </Text>
            <Button
              variant="default"
              disabled={readOnly}
              loading={choose.isPending && 'blank' in (choose.variables ?? {})}
              onClick={() => apply({ blank: true }, 'Starting blank')}
              aria-label="Start blank"
            >
              Start blank
            </Button>
          </Stack>
        </Card>
        {templates.data?.items.map((t) => (
          <Card key={t.id} withBorder padding="md">
            <Stack gap="xs" h="100%" justify="space-between">
              <Group gap="xs" wrap="nowrap">
                <IconTemplate size={20} aria-hidden />
                <Text fw={600}>{t.name}</Text>
                {mailing.templateId === t.id && (
                  <Text size="xs" c={okText}>
                    (in use)
                  </Text>
                )}
              </Group>
              <Text size="sm" c="dimmed">
                {t.description ?? ''}
              </Text>
              <Button
                variant={mailing.templateId === t.id ? 'light' : 'default'}
                disabled={readOnly}
                aria-label={`Use ${t.name}`}
                onClick={() => apply({ templateId: t.id }, `The template “${t.name}”`)}
              >
                Use this template
              </Button>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
