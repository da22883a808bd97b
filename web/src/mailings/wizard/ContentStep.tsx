import {
  Badge,
  Box,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconDownload } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { asSentence, toApiError } from '../../api/errors';
import { okText, warnText } from '../../app/colors';
import { ErrorState } from '../../app/ErrorState';
import { auditQuery, countSms, documentPdfUrl, letterPdfUrl, recipientsQuery } from '../api';
import { useWizard } from './context';
import {
  type ContentMode,
  contentMode,
  findingPlace,
  isMjmlDocument,
  offsetOf,
  storedMode,
  storeMode,
} from './editor/content';
import { MjmlEditor } from './editor/MjmlEditor';
import { MergeFieldPicker } from './MergeFieldPicker';
import { smsCountLine, smsEncodingHint } from './sms';

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 13 };

function EmailContent() {
  const { mailing, change, fieldError, readOnly, dirty } = useWizard();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [width, setWidth] = useState('desktop');
  const [preferred, setPreferred] = useState(() => storedMode(globalThis.localStorage));
  const source = mailing.content.source ?? '';
  const audit = useQuery(auditQuery(mailing.id, mailing.revision));
  // the preview is made for a real recipient: one who will get it, else anyone on the list
  const ready = useQuery(recipientsQuery(mailing.id, 'ready', null));
  const any = useQuery({
    ...recipientsQuery(mailing.id, null, null),
    enabled: ready.data?.items.length === 0,
  });
  const first = ready.data?.items.length ? ready : any;
  const recipientId = first.data?.items[0]?.id;
  const format = mailing.content.format ?? 'mjml';
  const visualPossible = isMjmlDocument(source);
  const mode = visualPossible ? contentMode(format, preferred, readOnly) : 'source';
  const sourceError = fieldError('content.source') ?? fieldError('content');
  const chooseMode = (next: ContentMode) => {
    setPreferred(next);
    storeMode(globalThis.localStorage, next);
  };
  /** An audit finding's place: the source, with the cursor on its line and column. */
  const showPlace = (line: number, column?: number) => {
    chooseMode('source');
    // the text area is there on the next frame when the visual editor was open
    requestAnimationFrame(() => {
      const el = ref.current;
      if (!el) return;
      const at = offsetOf(el.value, line, column);
      el.focus();
      el.setSelectionRange(at, at);
      // a text area scrolls to its cursor only while typing: put the line in view by its height
      const lineHeight = Number.parseFloat(getComputedStyle(el).lineHeight) || 20;
      el.scrollTop = Math.max(0, (line - 3) * lineHeight);
      el.scrollIntoView({ block: 'center' });
    });
  };

  return (
    <Stack gap="lg">
      <Group align="flex-end" gap="md" wrap="wrap">
        <SegmentedControl
          aria-label="Source format"
          value={format}
          onChange={(v) => change('content.format', v)}
          disabled={readOnly}
          data={[
            { value: 'mjml', label: 'MJML' },
            { value: 'html', label: 'HTML' },
          ]}
        />
        {format === 'mjml' && !readOnly && (
          <SegmentedControl
            aria-label="Editor"
            value={mode}
            onChange={(v) => chooseMode(v === 'source' ? 'source' : 'visual')}
            data={[
              { value: 'visual', label: 'Visual', disabled: !visualPossible },
              { value: 'source', label: 'Source' },
            ]}
          />
        )}
        {mode === 'source' && (
          <MergeFieldPicker
            target={ref}
            value={source}
            onChange={(v) => change('content.source', v)}
            disabled={readOnly}
          />
        )}
      </Group>
      {format === 'mjml' && !visualPossible && !readOnly && (
        <Text size="sm" c={warnText}>
          The visual editor opens MJML that starts with &lt;mjml&gt;: correct the source to use it.
        </Text>
      )}
      {mode === 'visual' ? (
        <>
          <MjmlEditor />
          {sourceError && (
            <Text size="sm" c="red.9" role="alert">
              {asSentence(sourceError)}
            </Text>
          )}
        </>
      ) : (
        <Textarea
          ref={ref}
          label={format === 'mjml' ? 'MJML source' : 'HTML source'}
          description="Merge fields like [[customer.firstname]] are filled in for each recipient"
          autosize
          minRows={14}
          maxRows={28}
          spellCheck={false}
          styles={{ input: mono }}
          value={source}
          onChange={(e) => change('content.source', e.currentTarget.value)}
          error={sourceError}
          readOnly={readOnly}
        />
      )}

      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap">
            <Title order={2} size="h4">
              Preview
            </Title>
            <SegmentedControl
              aria-label="Preview width"
              value={width}
              onChange={setWidth}
              data={[
                { value: 'desktop', label: 'Desktop' },
                { value: 'mobile', label: 'Mobile' },
              ]}
            />
          </Group>
          {dirty && (
            <Text size="sm" c={warnText}>
              The preview shows the saved version: save to see your changes.
            </Text>
          )}
          {recipientId ? (
            <Text size="sm" c="dimmed">
              As {first.data?.items[0]?.name ?? first.data?.items[0]?.address} receives it.
            </Text>
          ) : null}
          {recipientId ? (
            <Box
              style={{
                width: width === 'mobile' ? 375 : '100%',
                maxWidth: '100%',
                margin: '0 auto',
                border: '1px solid var(--mantine-color-gray-4)',
              }}
            >
              <iframe
                key={`${mailing.revision}-${recipientId}`}
                title="Preview of the e-mail"
                sandbox=""
                src={`/api/v1/mailings/${mailing.id}/preview/html?recipientId=${recipientId}`}
                style={{ width: '100%', height: 640, border: 0, display: 'block', background: 'white' }}
              />
            </Box>
          ) : (
            <Text size="sm" c="dimmed">
              The preview shows the e-mail as a recipient gets it: add recipients (Setup or Recipients) to see
              it.
            </Text>
          )}
        </Stack>
      </Paper>

      <Stack gap="xs">
        <Title order={2} size="h4">
          Content check
        </Title>
        {audit.isError && (
          <ErrorState
            error={audit.error}
            title="The content could not be checked"
            onRetry={() => void audit.refetch()}
          />
        )}
        {audit.data && audit.data.items.length === 0 && (
          <Text size="sm" c={okText}>
            No problems found.
          </Text>
        )}
        {audit.data && audit.data.items.length > 0 && (
          <Table aria-label="Content check" withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={110}>Severity</Table.Th>
                <Table.Th>Finding</Table.Th>
                <Table.Th w={200}>Where</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {audit.data.items.map((f, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: findings have no id; the list is replaced whole
                <Table.Tr key={`${f.code}-${i}`}>
                  <Table.Td>
                    <Badge
                      color={f.severity === 'error' ? 'red.9' : f.severity === 'warning' ? warnText : 'dark'}
                      variant="filled"
                    >
                      {f.severity === 'error' ? 'Error' : f.severity === 'warning' ? 'Warning' : 'Note'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{asSentence(f.message)}</Text>
                  </Table.Td>
                  <Table.Td>
                    {f.where?.line !== undefined && (f.where.part ?? 'content') === 'content' ? (
                      <Button
                        variant="subtle"
                        size="compact-sm"
                        aria-label={`Show ${findingPlace(f.where)} in the source`}
                        onClick={() => showPlace(f.where?.line ?? 1, f.where?.column)}
                      >
                        {asSentence(findingPlace(f.where) ?? '')}
                      </Button>
                    ) : (
                      <Text size="sm">{asSentence(findingPlace(f.where) ?? '—')}</Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Stack>
  );
}

function SmsContent() {
  const { mailing, change, fieldError, readOnly } = useWizard();
  const ref = useRef<HTMLTextAreaElement>(null);
  const text = mailing.content.text ?? '';
  const [debounced] = useDebouncedValue(text, 250);
  const count = useQuery({
    queryKey: ['sms-count', debounced],
    queryFn: ({ signal }) => countSms(debounced, signal),
    placeholderData: keepPreviousData,
  });
  const hint = count.data ? smsEncodingHint(count.data) : null;
  return (
    <Stack gap="md" maw={760}>
      <MergeFieldPicker
        target={ref}
        value={text}
        onChange={(v) => change('content.text', v)}
        disabled={readOnly}
      />
      <Textarea
        ref={ref}
        label="Message"
        autosize
        minRows={5}
        value={text}
        onChange={(e) => change('content.text', e.currentTarget.value)}
        error={fieldError('content.text') ?? fieldError('content')}
        readOnly={readOnly}
      />
      <Group gap="sm" aria-live="polite">
        {count.data && (
          <>
            <Badge color="dark" variant="outline" radius="sm">
              {count.data.encoding}
            </Badge>
            <Text size="sm" data-testid="sms-count">
              {smsCountLine(count.data)}
            </Text>
          </>
        )}
        {count.isError && (
          <Text size="sm" c="red.9">
            The message could not be counted: {asSentence(toApiError(count.error).message)}
          </Text>
        )}
      </Group>
      {hint && (
        <Text size="sm" c={warnText}>
          {hint}
        </Text>
      )}
    </Stack>
  );
}

function DocumentContent() {
  const { mailing, change, fieldError, readOnly, dirty } = useWizard();
  const ref = useRef<HTMLTextAreaElement>(null);
  const body = mailing.content.body ?? '';
  const ready = useQuery(recipientsQuery(mailing.id, 'ready', null));
  const any = useQuery({
    ...recipientsQuery(mailing.id, null, null),
    enabled: ready.data?.items.length === 0,
  });
  const first = (ready.data?.items.length ? ready : any).data?.items[0];
  // the merged PDF is made when the mailing is sent (GET …/document.pdf answers 404 before)
  const sent = !['draft', 'scheduled'].includes(mailing.state);
  return (
    <Stack gap="lg" maw={760}>
      <MergeFieldPicker
        target={ref}
        value={body}
        onChange={(v) => change('content.body', v)}
        disabled={readOnly}
      />
      <Textarea
        ref={ref}
        label="Letter text"
        description="The heading is set in Setup"
        autosize
        minRows={12}
        value={body}
        onChange={(e) => change('content.body', e.currentTarget.value)}
        error={fieldError('content.body') ?? fieldError('content')}
        readOnly={readOnly}
      />
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap">
            <Title order={2} size="h4">
              Letters (PDF)
            </Title>
            {sent && (
              <Button
                component="a"
                href={documentPdfUrl(mailing.id)}
                download={`mailing-${mailing.id}.pdf`}
                variant="default"
                leftSection={<IconDownload size={18} aria-hidden />}
              >
                Download PDF
              </Button>
            )}
          </Group>
          <Text size="sm" c="dimmed">
            {sent
              ? 'One PDF with every letter, each on a new page.'
              : 'Sending makes one PDF with a letter for each recipient, each on a new page. Until then, this is one letter as its recipient gets it.'}
          </Text>
          {dirty && (
            <Text size="sm" c={warnText}>
              The preview shows the saved version: save to see your changes.
            </Text>
          )}
          {first ? (
            <>
              <Group justify="space-between" wrap="wrap">
                <Text size="sm" c="dimmed">
                  The letter to {first.name ?? first.address}:
                </Text>
                <Button
                  component="a"
                  href={letterPdfUrl(mailing.id, first.id)}
                  download={`mailing-${mailing.id}-letter.pdf`}
                  variant="default"
                  size="xs"
                  leftSection={<IconDownload size={16} aria-hidden />}
                >
                  This letter as PDF
                </Button>
              </Group>
              <iframe
                key={`${mailing.revision}-${first.id}`}
                title="Preview of the letter"
                sandbox=""
                src={`/api/v1/mailings/${mailing.id}/preview/html?recipientId=${first.id}`}
                style={{
                  width: '100%',
                  height: 360,
                  border: '1px solid var(--mantine-color-gray-4)',
                  display: 'block',
                  background: 'white',
                }}
              />
            </>
          ) : (
            <Text size="sm" c="dimmed">
              Add recipients (Setup or Recipients) to see a letter.
            </Text>
          )}
        </Stack>
      </Paper>
    </Stack>
  );
}

export function ContentStep() {
  const { mailing } = useWizard();
  if (mailing.channel === 'sms') return <SmsContent />;
  if (mailing.channel === 'document') return <DocumentContent />;
  return <EmailContent />;
}
