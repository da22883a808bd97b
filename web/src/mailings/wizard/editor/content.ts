/**
 * Pure helpers of the e-mail Content step: which editor to show, what the visual editor loads,
 * and the strings it inserts. No GrapesJS here (that chunk loads only when the editor opens).
 */

import type { AuditFinding, MergeField } from '../../../api/types';

export type ContentMode = 'visual' | 'source';
export type ContentFormat = 'mjml' | 'html';

/** The editor to show: HTML has only the source; MJML opens visual unless the user chose Source. */
export function contentMode(
  format: ContentFormat,
  preferred: ContentMode | null,
  readOnly: boolean,
): ContentMode {
  // a sent mailing is read, not edited: its source, with the server's preview beside it
  if (format === 'html' || readOnly) return 'source';
  return preferred ?? 'visual';
}

const modeKey = 'posthorn.contentMode';

/** The mode the user chose last time (kept in this browser), or null. */
export function storedMode(storage: Pick<Storage, 'getItem'> | undefined): ContentMode | null {
  try {
    const v = storage?.getItem(modeKey);
    return v === 'visual' || v === 'source' ? v : null;
  } catch {
    // storage can be disabled (privacy settings): then there is no preference
    return null;
  }
}

export function storeMode(storage: Pick<Storage, 'setItem'> | undefined, mode: ContentMode): void {
  try {
    storage?.setItem(modeKey, mode);
  } catch {
    // not remembered: the next visit opens the default again
  }
}

/** What an empty MJML mailing starts from in the visual editor. */
export const emptyMjml = '<mjml>\n  <mj-body>\n  </mj-body>\n</mjml>';

/**
 * The MJML as the visual editor parses it. GrapesJS reads HTML, where `<mj-image ... />` is an
 * open tag that would swallow its siblings; MJML accepts both spellings, so self-closing mj-*
 * tags become open + close. Everything else stays as written.
 */
export function forVisualEditor(source: string): string {
  if (!source.trim()) return emptyMjml;
  return source.replace(
    /<(mj-[a-z0-9-]+)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/>/gi,
    '<$1$2></$1>',
  );
}

/** Whether the source can be shown in the visual editor (an `<mjml>` document). */
export function isMjmlDocument(source: string): boolean {
  return !source.trim() || /^\s*(?:<!--[\s\S]*?-->\s*)*<mjml[\s>]/i.test(source);
}

export const mergeTag = (name: string): string => `[[${name}]]`;

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A link as inserted into a text: `<a href="…">text</a>` (both escaped; merge tags stay as they are). */
export function linkHtml(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}

/** The words a reader sees for each special link (PRODUCT.md §7), by merge-field name. */
const specialLinkWords: Record<string, string> = {
  'link.subscription': 'Unsubscribe',
  'link.manageSubscriptions': 'Manage subscriptions',
  'link.viewShipmentMessage': 'View online',
};

export interface SpecialLink {
  field: string;
  label: string;
  text: string;
}

/** The special links of the merge-field catalogue (group `link`), with the text a link gets. */
export function specialLinks(fields: readonly MergeField[]): SpecialLink[] {
  return fields
    .filter((f) => f.group === 'link')
    .map((f) => ({
      field: f.name,
      label: specialLinkWords[f.name] ?? f.description,
      text: specialLinkWords[f.name] ?? f.description,
    }));
}

/** The ids of the mailing's tracked links with one more (each once, in order). */
export function withTrackedLink(ids: readonly number[] | undefined, id: number): number[] {
  const list = [...(ids ?? [])];
  return list.includes(id) ? list : [...list, id];
}

/** Where an audit finding is, in words: "line 3, column 5", "subject", or null when nowhere. */
export function findingPlace(where: AuditFinding['where']): string | null {
  if (!where) return null;
  const parts: string[] = [];
  if (where.part && where.part !== 'content') parts.push(partWords[where.part] ?? where.part);
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.column !== undefined) parts.push(`column ${where.column}`);
  if (where.element && where.line === undefined) parts.push(`<${where.element}>`);
  return parts.length ? parts.join(', ') : null;
}

const partWords: Record<string, string> = {
  'setup.subject': 'Subject',
  'setup.preheader': 'Preheader',
};

/** The text offset of a 1-based line and column (clamped to the text), to put the cursor there. */
export function offsetOf(text: string, line: number, column = 1): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const end = text.indexOf('\n', offset);
  const lineEnd = end < 0 ? text.length : end;
  return Math.min(offset + Math.max(column - 1, 0), lineEnd);
}

/**
 * MJML elements whose content is HTML or text (MJML's "ending tags"): kept on one line as
 * written, never re-indented inside.
 */
const endingTags = new Set([
  'mj-text',
  'mj-button',
  'mj-raw',
  'mj-title',
  'mj-preview',
  'mj-style',
  'mj-navbar-link',
  'mj-social-element',
  'mj-table',
  'mj-accordion-title',
  'mj-accordion-text',
]);

const mjTag =
  /<(\/?)(mjml|mj-[a-z0-9-]+)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/gi;

/**
 * The MJML the visual editor writes (all on one line) as a person reads it: one element a line,
 * indented by depth; the content of text-like elements exactly as it was. Keeps the source
 * readable in Source mode and the audit's line numbers useful.
 */
export function formatMjml(mjml: string): string {
  const lines: string[] = [];
  let depth = 0;
  let at = 0;
  const push = (text: string) => {
    const t = text.trim();
    if (t) lines.push(`${'  '.repeat(depth)}${t}`);
  };
  mjTag.lastIndex = 0;
  for (let m = mjTag.exec(mjml); m; m = mjTag.exec(mjml)) {
    push(mjml.slice(at, m.index));
    const [tag, closing, rawName, , selfClosing] = m;
    const name = (rawName ?? '').toLowerCase();
    at = m.index + tag.length;
    if (closing) {
      depth = Math.max(0, depth - 1);
      push(tag);
    } else if (selfClosing) {
      push(tag);
    } else if (endingTags.has(name)) {
      // the whole element on one line: its content is HTML, written as the person wrote it
      const close = mjml.toLowerCase().indexOf(`</${name}>`, at);
      const end = close < 0 ? mjml.length : close + name.length + 3;
      push(mjml.slice(m.index, end));
      at = end;
      mjTag.lastIndex = end;
    } else {
      // an empty element (e.g. <mj-all …></mj-all>) stays on one line
      const empty = new RegExp(`^\\s*</${name}\\s*>`, 'i').exec(mjml.slice(at));
      if (empty) {
        push(`${tag}</${name}>`);
        at += empty[0].length;
        mjTag.lastIndex = at;
      } else {
        push(tag);
        depth += 1;
      }
    }
  }
  push(mjml.slice(at));
  return lines.join('\n');
}
