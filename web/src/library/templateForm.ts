import type { Channel } from '../api/types';
import type { LibraryTemplate } from './types';

/** What the template form edits; each channel uses its own part (the rest stays empty). */
export interface TemplateValues {
  name: string;
  description: string;
  /** null: no folder (the top level). */
  folderId: number | null;
  /** E-mail: the setup fields a template carries, and the content. */
  subject: string;
  preheader: string;
  format: 'mjml' | 'html';
  source: string;
  /** SMS */
  sender: string;
  text: string;
  /** Document */
  heading: string;
  body: string;
}

/** What a new e-mail template starts with: the smallest MJML that renders, with one merge field. */
export const blankMjml = `<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Hello [[customer.firstname]],</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
`;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The form's values for a template, or for a new one of `channel` (in `folderId`, if given). */
export function valuesOf(
  template: LibraryTemplate | null,
  channel: Channel,
  folderId: number | null = null,
): TemplateValues {
  const setup = template?.setup ?? {};
  const content = template?.content ?? {};
  return {
    name: template?.name ?? '',
    description: template?.description ?? '',
    folderId: template ? template.folderId : folderId,
    subject: str(setup.subject),
    preheader: str(setup.preheader),
    format: content.format === 'html' ? 'html' : 'mjml',
    source: template ? str(content.source) : channel === 'email' ? blankMjml : '',
    sender: str(setup.sender),
    text: str(content.text),
    heading: str(setup.heading),
    body: str(content.body),
  };
}

/**
 * The setup and content of the channel from the form. An empty setup field is `null`: in a change
 * (a merge patch) that removes it from the template, so the mailing keeps its own value.
 */
function parts(channel: Channel, v: TemplateValues) {
  const orNull = (s: string) => (s.trim() === '' ? null : s);
  switch (channel) {
    case 'sms':
      return { setup: { sender: orNull(v.sender.trim()) }, content: { text: v.text } };
    case 'document':
      return { setup: { heading: orNull(v.heading) }, content: { body: v.body } };
    default:
      return {
        setup: { subject: orNull(v.subject), preheader: orNull(v.preheader) },
        content: { format: v.format, source: v.source },
      };
  }
}

const withoutNulls = (o: Record<string, string | null>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== null));

/** POST /api/v1/templates */
export function createBody(channel: Channel, v: TemplateValues) {
  const { setup, content } = parts(channel, v);
  return {
    name: v.name.trim(),
    channel,
    description: v.description.trim() || null,
    folderId: v.folderId,
    setup: withoutNulls(setup),
    content,
  };
}

/** PATCH /api/v1/templates/{id} (a merge patch: setup members set to null are removed) */
export function patchBody(channel: Channel, v: TemplateValues) {
  const { setup, content } = parts(channel, v);
  return {
    name: v.name.trim(),
    description: v.description.trim() || null,
    folderId: v.folderId,
    setup,
    content,
  };
}

/** What the form refuses before asking the API (the API checks everything else). */
export function templateProblems(v: TemplateValues): Partial<Record<'name', string>> {
  return v.name.trim() === '' ? { name: 'Give the template a name' } : {};
}
