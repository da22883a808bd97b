import { Alert, Box, Button, Code, Group, Loader, Select, Stack, Tabs, Text } from '@mantine/core';
import { IconPhoto } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { type ApiError, asSentence, toApiError } from '../../../api/errors';
import { ErrorState } from '../../../app/ErrorState';
import { imagesQuery, mergeFieldsQuery, trackedLinksQuery, uploadImage } from '../../api';
import { useWizard } from '../context';
import { MergeFieldSelect } from '../MergeFieldPicker';
import { linkHtml, mergeTag, specialLinks, withTrackedLink } from './content';
import type { EditorHandle, InsertResult } from './grapes';

const panelHeight = 640;

function ApiErrorText({ error, what }: { error: unknown; what: string }) {
  const e = toApiError(error);
  return (
    <Text size="sm" c="red.9">
      {what}: {asSentence(e.message)} (code {e.code})
    </Text>
  );
}

/**
 * The drag-and-drop MJML editor (GrapesJS + grapesjs-mjml, loaded on demand) with the inserts of
 * the Content step: merge fields, special links, tracked links and the image library. Its changes
 * go into the wizard's draft as MJML; saving is the wizard's.
 */
export function MjmlEditor() {
  const { mailing, change } = useWizard();
  const queryClient = useQueryClient();
  const canvas = useRef<HTMLDivElement>(null);
  const blocks = useRef<HTMLDivElement>(null);
  const layers = useRef<HTMLDivElement>(null);
  const styles = useRef<HTMLDivElement>(null);
  const traits = useRef<HTMLDivElement>(null);
  const [handle, setHandle] = useState<EditorHandle | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [uploadError, setUploadError] = useState<ApiError | null>(null);
  const [linkSearch, setLinkSearch] = useState('');
  const fields = useQuery(mergeFieldsQuery);
  const links = useQuery(trackedLinksQuery);
  const images = useQuery(imagesQuery);

  // the editor starts from the draft's source when it opens; afterwards it is the one writing it
  const initial = useRef(mailing.content.source ?? '');
  const onChange = useRef((mjml: string) => change('content.source', mjml));
  onChange.current = (mjml: string) => change('content.source', mjml);
  const trackedIds = useRef(mailing.setup.trackedLinkIds);
  trackedIds.current = mailing.setup.trackedLinkIds;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the load after a failure
  useEffect(() => {
    let cancelled = false;
    let created: EditorHandle | null = null;
    setLoadError(null);
    import('./grapes')
      .then(({ createEditor }) => {
        if (cancelled) return;
        if (!canvas.current || !blocks.current || !layers.current || !styles.current || !traits.current)
          throw new Error('the editor has no place on the page');
        created = createEditor({
          canvas: canvas.current,
          blocks: blocks.current,
          layers: layers.current,
          styles: styles.current,
          traits: traits.current,
          source: initial.current,
          onChange: (mjml) => onChange.current(mjml),
          upload: async (file) => {
            setUploadError(null);
            const image = await uploadImage(file);
            void queryClient.invalidateQueries({ queryKey: ['images'] });
            return { src: image.path, name: image.fileName };
          },
          onUploadError: (error) => setUploadError(toApiError(error)),
        });
        setHandle(created);
      })
      .catch((error: unknown) => {
        if (!cancelled) setLoadError(error);
      });
    return () => {
      cancelled = true;
      created?.destroy();
      setHandle(null);
    };
  }, [attempt, queryClient]);

  useEffect(() => {
    if (handle && images.data)
      handle.setImages(images.data.items.map((i) => ({ src: i.path, name: i.fileName })));
  }, [handle, images.data]);

  const told = (result: InsertResult | undefined, what: string) => {
    setNotice(
      result === 'inserted'
        ? null
        : `To insert ${what}, first click a text (or a button for a link) in the e-mail, then choose again.`,
    );
  };

  const special = specialLinks(fields.data?.items ?? []);

  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="md" wrap="wrap">
        <MergeFieldSelect
          disabled={!handle}
          onPick={(name) => told(handle?.insertHtml(mergeTag(name)), 'a merge field')}
        />
        <Select
          label="Insert special link"
          placeholder="Unsubscribe, view online …"
          value={null}
          disabled={!handle}
          w={{ base: '100%', sm: 240 }}
          data={special.map((l) => ({ value: l.field, label: l.label }))}
          onChange={(field) => {
            const link = special.find((l) => l.field === field);
            if (link)
              told(
                handle?.insertLink(mergeTag(link.field), linkHtml(mergeTag(link.field), link.text)),
                'a link',
              );
          }}
        />
        <Select
          label="Insert tracked link"
          placeholder={links.data?.items.length === 0 ? 'No tracked links yet' : 'Search tracked links'}
          searchable
          value={null}
          searchValue={linkSearch}
          onSearchChange={setLinkSearch}
          disabled={!handle}
          w={{ base: '100%', sm: 260 }}
          data={(links.data?.items ?? []).map((l) => ({ value: String(l.id), label: l.name }))}
          onDropdownOpen={() => {
            if (links.isError) void links.refetch();
          }}
          onChange={(value) => {
            setLinkSearch('');
            const link = links.data?.items.find((l) => String(l.id) === value);
            if (!link) return;
            const result = handle?.insertLink(link.url, linkHtml(link.url, link.name));
            told(result, 'a link');
            // registered on the mailing, a click on it runs the link's actions (PRODUCT.md §7)
            if (result === 'inserted')
              change('setup.trackedLinkIds', withTrackedLink(trackedIds.current, link.id));
          }}
        />
      </Group>
      <Group align="flex-end" gap="md" wrap="wrap">
        <Select
          label="Add block"
          placeholder="After the selected part"
          value={null}
          disabled={!handle}
          w={{ base: '100%', sm: 220 }}
          data={handle?.blocks().map((b) => ({ value: b.id, label: b.label })) ?? []}
          onChange={(id) => {
            if (id) told(handle?.addBlock(id), 'a block');
          }}
        />
        <Button
          variant="default"
          leftSection={<IconPhoto size={18} aria-hidden />}
          disabled={!handle}
          onClick={() => handle?.openImages()}
        >
          Image library
        </Button>
      </Group>
      {links.isError && <ApiErrorText error={links.error} what="The tracked links could not be loaded" />}
      {images.isError && <ApiErrorText error={images.error} what="The image library could not be loaded" />}
      {notice && (
        <Text size="sm" role="status">
          {notice}
        </Text>
      )}
      {uploadError && (
        <Alert color="red" variant="light" title="The image was not uploaded" role="alert">
          <Text size="sm">{asSentence(uploadError.message)}</Text>
          <Text size="xs" c="dimmed" mt={4}>
            Code <Code>{uploadError.code}</Code>
          </Text>
        </Alert>
      )}
      {loadError ? (
        <ErrorState
          error={loadError}
          title="The editor could not be loaded"
          onRetry={() => setAttempt((n) => n + 1)}
        />
      ) : null}
      <Box
        className="posthorn-editor"
        style={{
          display: 'grid',
          gridTemplateColumns: 'minmax(0, 1fr) 320px',
          gap: 'var(--mantine-spacing-md)',
          border: '1px solid var(--mantine-color-gray-4)',
          borderRadius: 'var(--mantine-radius-md)',
          overflow: 'hidden',
        }}
      >
        <Box pos="relative" h={panelHeight} aria-busy={!handle}>
          {/* GrapesJS owns this element's children */}
          <div ref={canvas} style={{ height: panelHeight }} />
          {!handle && !loadError && (
            <Group pos="absolute" top={0} left={0} right={0} bottom={0} justify="center" bg="gray.0">
              <Loader size="sm" aria-hidden />
              <Text size="sm">Loading the editor…</Text>
            </Group>
          )}
        </Box>
        <Tabs
          defaultValue="blocks"
          // GrapesJS renders into the hidden panels too: they stay in the DOM
          keepMounted
          keepMountedMode="display-none"
          style={{
            borderLeft: '1px solid var(--mantine-color-gray-4)',
            height: panelHeight,
            overflow: 'auto',
          }}
        >
          <Tabs.List aria-label="Editor panels" grow>
            <Tabs.Tab value="blocks">Blocks</Tabs.Tab>
            <Tabs.Tab value="layers">Layers</Tabs.Tab>
            <Tabs.Tab value="styles">Style</Tabs.Tab>
            <Tabs.Tab value="traits">Settings</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="blocks" p="xs">
            <Text size="xs" c="dimmed" mb="xs">
              Drag a block into the e-mail. Double-click a text to write in it.
            </Text>
            <div ref={blocks} />
          </Tabs.Panel>
          <Tabs.Panel value="layers" p="xs">
            <div ref={layers} />
          </Tabs.Panel>
          <Tabs.Panel value="styles" p="xs">
            <Text size="xs" c="dimmed" mb="xs">
              Select a part of the e-mail to change its look.
            </Text>
            <div ref={styles} />
          </Tabs.Panel>
          <Tabs.Panel value="traits" p="xs">
            <Text size="xs" c="dimmed" mb="xs">
              Select a part of the e-mail to change its settings, e.g. a button's link.
            </Text>
            <div ref={traits} />
          </Tabs.Panel>
        </Tabs>
      </Box>
    </Stack>
  );
}
