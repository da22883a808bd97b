import { z } from 'zod';
import { type MergeError, parseMerge } from '../merge/index.js';
import type { Channel } from './channels.js';
import { lineColumn, sanitizeHtml, scanHtml, type UnsafeHtml, type UnsafeHtmlCode } from './html.js';
import type { DocumentSetup, EmailSetup } from './setup.js';

/** Content per channel (PRODUCT.md §6). */
export const emailContentSchema = z.strictObject({
  format: z.enum(['mjml', 'html']).default('mjml'),
  source: z.string().max(2_000_000, 'the content is larger than 2 MB').default(''),
});
export const smsContentSchema = z.strictObject({ text: z.string().max(5000).default('') });
export const documentContentSchema = z.strictObject({ body: z.string().max(200_000).default('') });

export type EmailContent = z.infer<typeof emailContentSchema>;
export type SmsContent = z.infer<typeof smsContentSchema>;
export type DocumentContent = z.infer<typeof documentContentSchema>;
export type MailingContent = EmailContent | SmsContent | DocumentContent;

export function contentSchemaOf(channel: Channel) {
  return channel === 'sms'
    ? smsContentSchema
    : channel === 'document'
      ? documentContentSchema
      : emailContentSchema;
}

/** Link 0 of every e-mail is the open pixel; tracked links count from 1. */
export const openPixelLink = 0;
/** The hidden trap link of every tracked e-mail: no person sees it, so only a machine follows it. */
export const trapLinkNo = 999_999;

export interface RenderedLink {
  n: number;
  url: string;
  /** Where a click redirects: the URL with UTM tags when they are on. */
  targetUrl: string;
  name: string | null;
  trackedLinkId: number | null;
}

/**
 * E-mail content rendered once per content version: responsive HTML from MJML (or the raw HTML),
 * with each tracked link's href replaced by the internal marker `[[#link:n]]` and the open pixel
 * as link 0, and a plain-text part generated from it. Per recipient only merge values and link
 * URLs are substituted.
 */
export interface RenderedEmail {
  version: number;
  html: string;
  text: string;
  links: RenderedLink[];
  mjmlErrors: Array<{ line: number; message: string }>;
  /** The {@link htmlSanitizer} revision this was rendered with: a render from before it is rendered again. */
  sanitizer?: number;
  /** What the sanitiser removed from the HTML (the audit reports what it cannot place in the source). */
  removed?: RemovedHtml[];
}

/** Something the sanitiser removed, without its offset (which is in MJML's output, not in the source). */
export type RemovedHtml = Omit<UnsafeHtml, 'offset'>;

/**
 * The revision of the HTML sanitiser (`sanitizeHtml`). A cached render with another revision (or
 * none: rendered before the sanitiser existed, perhaps with a `<script>`) must be rendered again
 * before it is shown or sent. Raise it whenever the sanitiser removes more.
 */
export const htmlSanitizer = 1;

export interface RegisteredLink {
  id: number;
  name: string;
  url: string;
}

/**
 * The hidden preheader: hidden by display, size and overflow (`mso-hide` for Outlook), never by a
 * tiny font — a 1px font is what spam filters score as invisible text (SpamAssassin's
 * FONT_INVIS_MSGID). After the text, zero-width non-joiners with spaces fill the inbox's preview
 * line, so it does not run on into the first words of the body.
 */
const preheaderStyle =
  'display:none;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all;visibility:hidden';
const preheaderFiller = '&zwnj;&nbsp;'.repeat(80);

export async function renderEmail(input: {
  content: EmailContent;
  setup: EmailSetup;
  version: number;
  registeredLinks: readonly RegisteredLink[];
  /** Link numbers already given to URLs in earlier versions: kept, so a link's id is stable. */
  knownLinks: ReadonlyMap<string, number>;
}): Promise<RenderedEmail> {
  const { content, setup } = input;
  let html = content.source;
  const mjmlErrors: RenderedEmail['mjmlErrors'] = [];
  if (content.format === 'mjml' && content.source.trim() !== '') {
    try {
      // loaded on first use: mjml is large, and processes that never render (imports, workers of
      // other channels) should not carry it
      const { default: mjml2html } = await import('mjml');
      const result = await mjml2html(content.source, { validationLevel: 'soft', keepComments: false });
      html = result.html;
      for (const e of result.errors)
        mjmlErrors.push({ line: e.line, message: e.formattedMessage ?? e.message });
    } catch (e) {
      mjmlErrors.push({ line: 1, message: e instanceof Error ? e.message : String(e) });
      html = '';
    }
  }

  // once per content version, before links are numbered: no recipient ever gets script, whatever
  // was stored (the audit refuses it for sending; this is the last line of defence)
  const safe = sanitizeHtml(html);
  html = safe.html;
  const removed = safe.unsafe.map(({ offset: _offset, ...u }): RemovedHtml => u);

  const registered = new Map(input.registeredLinks.map((l) => [l.url, l]));
  const numbers = new Map(input.knownLinks);
  let next = Math.max(0, ...numbers.values()) + 1;
  const links = new Map<number, RenderedLink>();
  const scan = scanHtml(html);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const a of scan.attributes) {
    if (a.tag !== 'a' || a.name !== 'href') continue;
    const url = a.value.trim();
    if (!/^https?:\/\//i.test(url) || url.includes('[[')) continue;
    const reg = registered.get(url);
    if (!reg && !setup.tracking.allLinks) continue;
    let n = numbers.get(url);
    if (n === undefined) {
      n = next++;
      numbers.set(url, n);
    }
    links.set(n, {
      n,
      url,
      targetUrl: withUtm(url, setup),
      name: reg?.name ?? null,
      trackedLinkId: reg?.id ?? null,
    });
    edits.push({ start: a.start, end: a.end, text: `[[#link:${n}]]` });
  }
  const body = scan.tags.find((t) => t.name === 'body');
  if (setup.preheader.trim() !== '') {
    const at = body ? body.end + 1 : 0;
    edits.push({
      start: at,
      end: at,
      text: `<div data-posthorn="preheader" style="${preheaderStyle}">${escapeText(setup.preheader)}${preheaderFiller}</div>`,
    });
  }
  edits.sort((a, b) => b.start - a.start);
  for (const e of edits) html = html.slice(0, e.start) + e.text + html.slice(e.end);
  if (setup.tracking.opens && html !== '') {
    const pixel = `<img src="[[#link:${openPixelLink}]]" width="1" height="1" alt="" style="display:block;border:0;height:1px;width:1px" />`;
    const close = html.toLowerCase().lastIndexOf('</body>');
    html = close >= 0 ? `${html.slice(0, close)}${pixel}${html.slice(close)}` : `${html}${pixel}`;
  }
  const text = html === '' ? '' : await htmlToText(html);
  // after the text part is made: the trap is in the HTML only
  if (html !== '' && (setup.tracking.opens || links.size > 0)) {
    const trap = `<a href="[[#link:${trapLinkNo}]]" aria-hidden="true" tabindex="-1" style="display:none;font-size:0;line-height:0;max-height:0;overflow:hidden;mso-hide:all"></a>`;
    const bodyOpen = scanHtml(html).tags.find((t) => t.name === 'body');
    const at = bodyOpen ? bodyOpen.end + 1 : 0;
    html = `${html.slice(0, at)}${trap}${html.slice(at)}`;
  }
  return {
    version: input.version,
    html,
    text,
    links: [...links.values()].sort((a, b) => a.n - b.n),
    mjmlErrors,
    sanitizer: htmlSanitizer,
    removed,
  };
}

function escapeText(value: string): string {
  return value.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** The plain-text part of an HTML body (html-to-text is loaded on first use). */
export async function htmlToText(html: string): Promise<string> {
  const { convert } = await import('html-to-text');
  return convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: 'div[data-posthorn=preheader]', format: 'skip' },
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['<', '>'] } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'table', format: 'block' },
      { selector: 'tr', format: 'block' },
      { selector: 'td', format: 'block' },
    ],
  });
}

/** The click target with `utm_medium=email`, `utm_source` and `utm_campaign` when UTM is on (existing tags kept). */
export function withUtm(url: string, setup: EmailSetup): string {
  if (!setup.tracking.utm.enabled) return url;
  try {
    const u = new URL(url);
    if (!u.searchParams.has('utm_medium')) u.searchParams.set('utm_medium', 'email');
    if (!u.searchParams.has('utm_source') && setup.tracking.utm.source)
      u.searchParams.set('utm_source', setup.tracking.utm.source);
    if (!u.searchParams.has('utm_campaign') && setup.tracking.utm.campaign)
      u.searchParams.set('utm_campaign', setup.tracking.utm.campaign);
    return u.toString();
  } catch {
    return url;
  }
}

export interface AuditFinding {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  /** Where: the part (`content`, `setup.subject`, …) and the line/column or the element. */
  where: { part: string; line?: number; column?: number; element?: string };
}

/** Gmail clips messages above 102 KB. */
export const gmailClipBytes = 102 * 1024;

/**
 * The Content step's audit (PRODUCT.md §6). Merge-language errors are `error` and block the step;
 * everything else is a `warning` the user should look at.
 */
export function auditContent(input: {
  channel: Channel;
  content: MailingContent;
  /** The channel's setup (its merge-tagged fields are audited too). */
  setup: EmailSetup | DocumentSetup | null;
  hasSubscriptionType: boolean;
  isKnown: (name: string) => boolean;
  rendered: RenderedEmail | null;
}): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const mergeFindings = (part: string, errors: MergeError[]): void => {
    for (const e of errors)
      findings.push({
        severity: 'error',
        code: e.code,
        message: e.message,
        where: { part, line: e.line, column: e.column },
      });
  };
  const parse = (s: string) => parseMerge(s, { isKnown: input.isKnown }).errors;
  if (input.channel === 'sms') {
    const text = (input.content as SmsContent).text;
    if (text.trim() === '') findings.push(emptyContent());
    mergeFindings('content', parse(text));
    return findings;
  }
  if (input.channel === 'document') {
    const body = (input.content as DocumentContent).body;
    if (body.trim() === '') findings.push(emptyContent());
    mergeFindings('content', parse(body));
    mergeFindings('setup.ourReference', parse((input.setup as DocumentSetup | null)?.ourReference ?? ''));
    return findings;
  }
  const content = input.content as EmailContent;
  const setup = input.setup as EmailSetup;
  if (content.source.trim() === '') findings.push(emptyContent());
  mergeFindings('content', parse(content.source));
  mergeFindings('setup.subject', parse(setup.subject));
  mergeFindings('setup.preheader', parse(setup.preheader));
  for (const e of input.rendered?.mjmlErrors ?? [])
    findings.push({
      severity: 'warning',
      code: 'MJML_INVALID',
      message: e.message,
      where: { part: 'content', line: e.line },
    });
  if (setup.preheader.trim() === '')
    findings.push({
      severity: 'warning',
      code: 'MISSING_PREHEADER',
      message: 'there is no preheader: inboxes will show the first text of the body instead',
      where: { part: 'setup.preheader' },
    });
  if (
    input.hasSubscriptionType &&
    !/\[\[\s*link\.(subscription|managesubscriptions)\s*\]\]/i.test(content.source)
  )
    findings.push({
      severity: 'warning',
      code: 'MISSING_UNSUBSCRIBE_LINK',
      message:
        'the mailing has a subscription type but no [[link.subscription]] or [[link.manageSubscriptions]] link',
      where: { part: 'content' },
    });
  const scan = scanHtml(content.source, { xmlMode: content.format === 'mjml' });
  for (const a of scan.attributes) {
    const at = { part: 'content', ...lineColumn(content.source, a.start), element: a.tag };
    if (
      a.name === 'href' &&
      ['a', 'mj-button', 'mj-image', 'mj-social-element', 'mj-navbar-link'].includes(a.tag)
    ) {
      const url = a.value.trim();
      if (url === '' || url === '#')
        findings.push({
          severity: 'warning',
          code: 'LINK_EMPTY',
          message: 'a link has no target',
          where: at,
        });
      else if (/^http:/i.test(url))
        findings.push({
          severity: 'warning',
          code: 'LINK_INSECURE',
          message: `the link ${clip(url)} is http: (not https:)`,
          where: at,
        });
      else if (!url.includes('[[') && !isUsableUrl(url))
        findings.push({
          severity: 'warning',
          code: 'LINK_BROKEN',
          message: `the link ${clip(url)} is not a valid URL`,
          where: at,
        });
    }
  }
  for (const t of scan.tags) {
    if ((t.name === 'img' || t.name === 'mj-image') && !(t.attributes.alt ?? '').trim()) {
      findings.push({
        severity: 'warning',
        code: 'IMAGE_NO_ALT',
        message: `the image ${clip(t.attributes.src ?? '')} has no alt text`,
        where: { part: 'content', ...lineColumn(content.source, t.start), element: t.name },
      });
    }
  }
  findings.push(...unsafeContentFindings(content, input.rendered));
  const bytes = Buffer.byteLength(input.rendered?.html ?? content.source, 'utf8');
  if (bytes > gmailClipBytes)
    findings.push({
      severity: 'warning',
      code: 'HTML_TOO_LARGE',
      message: `the HTML is ${Math.round(bytes / 1024)} KB: Gmail clips messages above 102 KB`,
      where: { part: 'content' },
    });
  return findings;
}

/**
 * Script and other active content (security item 1): errors, like merge errors, so the Content step
 * is incomplete and sending is refused. Found in the source (with line and column) by the same
 * sanitiser that removes them when rendering; what only MJML's output holds (an
 * `mj-html-attribute`, a CDATA section) is reported from the render, without a line, once the
 * source itself is clean.
 */
function unsafeContentFindings(content: EmailContent, rendered: RenderedEmail | null): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const u of sanitizeHtml(content.source, { xmlMode: content.format === 'mjml' }).unsafe)
    findings.push({
      severity: 'error',
      code: u.code,
      message: unsafeMessage(u),
      where: {
        part: 'content',
        ...lineColumn(content.source, u.offset),
        ...(u.element && u.element !== '!--' ? { element: u.element } : {}),
      },
    });
  if (findings.length > 0) return findings;
  const seen = new Set<string>();
  for (const r of rendered?.removed ?? []) {
    const key = `${r.code} ${r.element} ${r.attribute ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push({
      severity: 'error',
      code: r.code,
      message: `${unsafeMessage(r)} (in the HTML made from the content)`,
      where: { part: 'content', ...(r.element && r.element !== '!--' ? { element: r.element } : {}) },
    });
  }
  return findings;
}

const elementAdvice: Readonly<Record<string, string>> = {
  form: 'link to a web form instead',
  iframe: 'link to the page or the video instead',
  object: 'link to the page or the video instead',
  embed: 'link to the page or the video instead',
  base: 'it would change where every link of the message goes',
  meta: 'a refresh would send readers of the web version elsewhere',
};

/** What a marketing user reads: what is wrong, and what to do instead. */
function unsafeMessage(u: Omit<UnsafeHtml, 'offset'>): string {
  const tag = `<${u.element}>`;
  const messages: Record<UnsafeHtmlCode, string> = {
    SCRIPT_NOT_ALLOWED: 'e-mail clients remove scripts, and so does Posthorn: remove the <script> element',
    EVENT_HANDLER_NOT_ALLOWED: `e-mail clients remove script in attributes, and so does Posthorn: remove ${u.attribute ?? 'the on… attribute'} from the ${tag} element`,
    JAVASCRIPT_URL_NOT_ALLOWED: `the address ${clip(u.url ?? '')} in ${u.attribute ?? 'href'} of the ${tag} element runs a script or opens a page of its own, which e-mail clients block: use an https:, mailto: or tel: address`,
    MERGE_TAG_BEFORE_URL_SCHEME: `the address in ${u.attribute ?? 'href'} of the ${tag} element starts with a merge tag such as [[IF…]] or [[DECODE…]], so its kind could change per recipient: write its beginning (https://, mailto:) first, then the merge tags`,
    ELEMENT_NOT_ALLOWED: `${tag} does not work in e-mail, and Posthorn removes it${elementAdvice[u.element] ? `: ${elementAdvice[u.element]}` : ''}`,
    MERGE_TAG_IN_MARKUP: /[[\]]/.test(u.element)
      ? 'a merge tag inside an element name is not allowed: Posthorn removes that tag (write merge tags in the text or inside an attribute value)'
      : u.attribute && /[[\]]/.test(u.attribute)
        ? `a merge tag inside the ${tag} element but outside an attribute's quotes is not allowed: Posthorn removes it (write it inside the quotes)`
        : 'a merge tag starts in one text or attribute value and ends in another: write each [[…]] whole inside one text or attribute value',
    COMMENT_NOT_ALLOWED:
      'this HTML comment could end early in a browser (it contains --!> or a merge tag right before >), so Posthorn removes it',
  };
  return messages[u.code];
}

function emptyContent(): AuditFinding {
  return {
    severity: 'error',
    code: 'CONTENT_EMPTY',
    message: 'the content is empty',
    where: { part: 'content' },
  };
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

function isUsableUrl(url: string): boolean {
  if (/^(mailto|tel|sms):/i.test(url)) return true;
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname.includes('.');
  } catch {
    return false;
  }
}
