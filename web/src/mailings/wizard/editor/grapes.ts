/**
 * GrapesJS with grapesjs-mjml, set up for Posthorn. This module is only ever loaded with a dynamic
 * `import()` (MjmlEditor.tsx): it and its CSS are a chunk of their own that the first screen never
 * downloads.
 */
import grapesjs, { type Block, type Component, type Editor } from 'grapesjs';
import 'grapesjs/dist/css/grapes.min.css';
import mjmlImport from 'grapesjs-mjml';
import { formatMjml, forVisualEditor } from './content';
import './editor.css';

/*
 * grapesjs-mjml ships a UMD bundle whose module.exports is `{ default: plugin }`, while its typings
 * declare the plugin as the default export: the bundler's interop hands us either, depending on
 * how it reads the bundle.
 */
type MjmlPlugin = typeof mjmlImport;
const mjmlPlugin: MjmlPlugin =
  typeof mjmlImport === 'function' ? mjmlImport : (mjmlImport as unknown as { default: MjmlPlugin }).default;

const imagePlaceholder = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="240" viewBox="0 0 600 240">' +
    '<rect width="600" height="240" fill="#e9ecef"/>' +
    '<text x="300" y="128" font-family="Helvetica, Arial, sans-serif" font-size="22" fill="#495057" text-anchor="middle">' +
    'Double-click to choose an image</text></svg>',
)}`;

export interface EditorImage {
  src: string;
  name: string;
}

export interface EditorOptions {
  /** Where the canvas goes. */
  canvas: HTMLElement;
  blocks: HTMLElement;
  layers: HTMLElement;
  styles: HTMLElement;
  traits: HTMLElement;
  /** The MJML to start from. */
  source: string;
  /** Called with the MJML after each change the user makes (not on loading). */
  onChange: (mjml: string) => void;
  /** Uploads a file to the image library; rejects with the API's error. */
  upload: (file: File) => Promise<EditorImage>;
  onUploadError: (error: unknown) => void;
}

export type InsertResult = 'inserted' | 'noTarget';

export interface EditorHandle {
  /** The MJML as it is now (the text being typed included). */
  mjml: () => string;
  /** Puts HTML at the cursor of the text being edited, else at the end of the selected text. */
  insertHtml: (html: string) => InsertResult;
  /** A link: the target of a selected button or image, else a link in the selected text. */
  insertLink: (href: string, html: string) => InsertResult;
  /** The blocks (id and label), for adding one without dragging. */
  blocks: () => { id: string; label: string }[];
  /**
   * Adds a block without dragging: a section after the selected section (else at the end of the
   * body), anything else after the selected element, into the selected column, or at the end of
   * the last column.
   */
  addBlock: (id: string) => InsertResult;
  setImages: (images: EditorImage[]) => void;
  /** The image library (GrapesJS' asset manager); picking an image sets a selected image's source. */
  openImages: () => void;
  destroy: () => void;
}

/** Components whose content is text a merge tag or link can go into. */
const textTypes = new Set(['mj-text', 'mj-button', 'mj-navbar-link', 'mj-social-element', 'text']);
/** Components that link as a whole (their `href`). */
const linkTypes = new Set(['mj-button', 'mj-image', 'mj-social-element', 'mj-navbar-link']);

/** What GrapesJS' text view exposes while its rich-text editor is on (not in its typings). */
interface TextView {
  activeRte?: { insertHTML: (html: string) => void } | undefined;
}

export function createEditor(o: EditorOptions): EditorHandle {
  const editor: Editor = grapesjs.init({
    container: o.canvas,
    height: '640px',
    width: 'auto',
    fromElement: false,
    components: forVisualEditor(o.source),
    // we save through the API (the wizard's draft); nothing goes to localStorage or elsewhere
    storageManager: false,
    telemetry: false,
    // no font-awesome from a CDN (the page's CSP and our tests allow no other host)
    cssIcons: '',
    // our own panels (the Blocks / Layers / Style / Settings tabs around the canvas)
    panels: { defaults: [] },
    blockManager: { appendTo: o.blocks },
    layerManager: { appendTo: o.layers },
    styleManager: { appendTo: o.styles },
    traitManager: { appendTo: o.traits },
    selectorManager: { componentFirst: true },
    /*
     * Content is hostile: whoever may edit mailings writes it, and the canvas frame has our origin.
     * GrapesJS' parser defaults drop <script>, on… attributes and javascript: values — kept
     * explicitly here — and the page's CSP (script-src 'self', no inline script) is the second
     * layer. What is sent is rendered and checked by the server, never by this canvas.
     */
    parser: { optionsHtml: { allowScripts: false, allowUnsafeAttr: false, allowUnsafeAttrValue: false } },
    canvas: { styles: [], scripts: [] },
    // the head (title, attributes) is not part of the e-mail's body: GrapesJS would print its text
    canvasCss: 'mj-head { display: none; }',
    assetManager: {
      assets: [],
      // only the library's images (a URL of another host would be refused by the CSP anyway)
      showUrlInput: false,
      uploadFile: (event: DragEvent) => {
        const input = event.target instanceof HTMLInputElement ? event.target : null;
        const files = Array.from(event.dataTransfer?.files ?? input?.files ?? []);
        return Promise.all(
          files.map((file) =>
            o.upload(file).then(
              (image) => {
                editor.AssetManager.add({ type: 'image', src: image.src, name: image.name });
              },
              (error: unknown) => {
                editor.Modal.close();
                o.onUploadError(error);
              },
            ),
          ),
        ).then(() => undefined);
      },
    },
    plugins: [
      (e: Editor) =>
        mjmlPlugin(e, {
          // the server's preview shows desktop and mobile (preview = send); the canvas is for editing
          resetDevices: false,
          // our colours (editor.css), not the plugin's dark theme
          useCustomTheme: false,
          // the canvas takes only the rendered bodies, never mjml's Google-Fonts links; no import UI
          // a new image block shows this until an image of the library is chosen (the plugin's own
          // placeholder is on another host, which the CSP refuses)
          imagePlaceholderSrc: imagePlaceholder,
        }),
    ],
  });

  let last: string | null = null;
  let baseline: string | null = null;
  let syncTimer: ReturnType<typeof setTimeout> | undefined;

  const current = (): string => {
    // the text being typed is in the DOM until GrapesJS syncs it into its model
    editor.getEditing()?.trigger('sync:content', { noCount: true });
    // GrapesJS writes it on one line: one element a line reads better in Source and the audit
    return formatMjml(editor.getHtml());
  };
  let emitting = false;
  const emit = () => {
    // syncing the text being typed changes the model, which reports an update again
    if (baseline === null || emitting) return;
    emitting = true;
    let mjml: string;
    try {
      mjml = current();
    } finally {
      emitting = false;
    }
    // GrapesJS writes the loaded MJML its own way: that alone is not a change of the user's
    if (mjml === (last ?? baseline)) return;
    last = mjml;
    o.onChange(mjml);
  };

  editor.on('load', () => {
    baseline = formatMjml(editor.getHtml());
    editor.on('update', emit);
    editor.on('component:input', () => {
      clearTimeout(syncTimer);
      syncTimer = setTimeout(emit, 400);
    });
  });

  const selectedText = (): Component | undefined => {
    const selected = editor.getSelected();
    return selected && textTypes.has(selected.get('type') ?? '') ? selected : undefined;
  };

  const insertHtml = (html: string): InsertResult => {
    const editing = editor.getEditing();
    const rte = (editing?.getView() as TextView | undefined)?.activeRte;
    if (editing && rte) {
      rte.insertHTML(html);
      emit();
      return 'inserted';
    }
    const target = selectedText();
    if (!target) return 'noTarget';
    // at the end of the text, as its own word (a leading space in the HTML would be trimmed)
    target.append({ type: 'textnode', content: ' ' });
    target.append(html);
    emit();
    return 'inserted';
  };

  const descendants = (root: Component | undefined, types: readonly string[]): Component[] => {
    const out: Component[] = [];
    const walk = (c: Component) => {
      if (types.includes(c.get('type') ?? '')) out.push(c);
      for (const child of c.components().models) walk(child);
    };
    if (root) walk(root);
    return out;
  };
  const sectionTypes = ['mj-section', 'mj-wrapper', 'mj-hero'];
  const containerTypes = ['mj-column', 'mj-hero'];

  const addBlock = (id: string): InsertResult => {
    const block = editor.Blocks.get(id);
    const content = block?.get('content');
    if (!block || !content) return 'noTarget';
    const body = descendants(editor.getWrapper(), ['mj-body'])[0];
    const selected = editor.getSelected();
    const type = selected?.get('type') ?? '';
    const isSection = typeof content === 'string' && /^\s*<mj-(section|wrapper|hero)[\s>]/.test(content);
    let added: Component[] = [];
    if (isSection) {
      const section = selected
        ? sectionTypes.includes(type)
          ? selected
          : descendants(body, sectionTypes).find((s) => selected.isChildOf(s))
        : undefined;
      const parent = section?.parent();
      if (section && parent) added = parent.append(content, { at: section.index() + 1 });
      else if (body) added = body.append(content);
    } else {
      const parent = selected?.parent();
      if (selected && parent && containerTypes.includes(parent.get('type') ?? ''))
        added = parent.append(content, { at: selected.index() + 1 });
      else if (selected && containerTypes.includes(type)) added = selected.append(content);
      else {
        const column =
          descendants(selected ?? body, ['mj-column']).at(-1) ?? descendants(body, ['mj-column']).at(-1);
        if (column) added = column.append(content);
      }
    }
    const first = added[0];
    if (!first) return 'noTarget';
    editor.select(first);
    emit();
    return 'inserted';
  };

  return {
    mjml: current,
    blocks: () =>
      editor.Blocks.getAll().models.map((b: Block) => ({
        id: b.getId(),
        label: String(b.getLabel() ?? b.getId()),
      })),
    addBlock,
    insertHtml,
    insertLink: (href, html) => {
      const selected = editor.getSelected();
      if (!editor.getEditing() && selected && linkTypes.has(selected.get('type') ?? '')) {
        selected.addAttributes({ href });
        emit();
        return 'inserted';
      }
      return insertHtml(html);
    },
    setImages: (images) => {
      editor.AssetManager.getAll().reset(images.map((i) => ({ type: 'image', src: i.src, name: i.name })));
    },
    openImages: () => {
      const selected = editor.getSelected();
      const target = selected?.get('type') === 'mj-image' ? selected : undefined;
      editor.runCommand('core:open-assets', {
        types: ['image'],
        ...(target ? { target } : {}),
        select: (asset: { getSrc: () => string }, complete: boolean) => {
          if (target) {
            target.set('src', asset.getSrc());
            target.addAttributes({ src: asset.getSrc() });
            emit();
          }
          if (complete) editor.Modal.close();
        },
      });
    },
    destroy: () => {
      clearTimeout(syncTimer);
      editor.destroy();
    },
  };
}
