import { decodeHTML } from 'entities';
import { DomUtils, parseDocument } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { multipart } from '../../test/helpers/multipart.js';
import { admin } from '../../test/helpers/services.js';
import { compileTemplate } from '../merge/index.js';
import {
  type AuditFinding,
  auditContent,
  type EmailContent,
  type RenderedEmail,
  renderEmail,
} from './content.js';
import { sanitizeHtml } from './html.js';
import { emailSetupSchema } from './setup.js';
import { starterTemplates } from './starters.js';

/**
 * Security item 1, the content side: an HTML mailing never carries script. The audit refuses it
 * (errors, so the Content step is incomplete and send is refused) and rendering, once per content
 * version, removes it, so content stored before the audit refused it is never shown or sent with it.
 */

const setup = emailSetupSchema.parse({ subject: 'S', preheader: 'P' });

async function render(content: EmailContent): Promise<RenderedEmail> {
  return renderEmail({ content, setup, version: 1, registeredLinks: [], knownLinks: new Map() });
}

function audit(content: EmailContent, rendered: RenderedEmail): AuditFinding[] {
  return auditContent({
    channel: 'email',
    content,
    setup,
    hasSubscriptionType: false,
    isKnown: () => true,
    rendered,
  });
}

/** The content merged for one recipient, as the preview and the sender do. */
function merged(rendered: RenderedEmail, values: Record<string, string> = {}): string {
  const { program, errors } = compileTemplate(rendered.html, 'html', { isKnown: () => true, internal: true });
  expect(errors).toEqual([]);
  return program?.render(values, { linkUrl: (n) => `https://t.example/c/${n}` }) ?? '';
}

/**
 * What could run script in `html`, read by a DOM parser of its own (not the sanitiser's writer):
 * script-like elements, on… attributes, and javascript:/vbscript:/data:text/html addresses as a
 * browser's URL parser would read them (entities decoded, tabs and line breaks and leading
 * controls ignored).
 */
function activeContent(html: string): string[] {
  const found: string[] = [];
  if (/<script/i.test(html)) found.push('"<script" in the text');
  const doc = parseDocument(html, { lowerCaseAttributeNames: true });
  for (const el of DomUtils.findAll(() => true, doc.children)) {
    if (['script', 'iframe', 'object', 'embed', 'form', 'base', 'frame', 'applet'].includes(el.name))
      found.push(`<${el.name}>`);
    if (el.name === 'meta' && /refresh/i.test(el.attribs['http-equiv'] ?? '')) found.push('<meta refresh>');
    for (const [name, value] of Object.entries(el.attribs)) {
      if (/^on/i.test(name)) found.push(`${el.name}.${name}`);
      let url = decodeHTML(value).replace(/[\t\n\r]/g, '');
      while (url !== '' && url.charCodeAt(0) <= 0x20) url = url.slice(1);
      if (/^(javascript|vbscript):|^data:text\/html/i.test(url)) found.push(`${el.name}.${name}=${url}`);
    }
  }
  return found;
}

const page = (body: string) =>
  `<html><head><title>Offer</title></head>\n<body>\n${body}\n<p>The rest of the message.</p></body></html>`;

describe('the content audit and rendering refuse and remove script (security item 1)', () => {
  const cases: Array<[string, string, string, string]> = [
    [
      'a <script>',
      '<p>Hi</p><script>fetch("/api/v1/api-keys", { method: "POST" })</script>',
      'SCRIPT_NOT_ALLOWED',
      'script',
    ],
    [
      'onerror on an image',
      '<img src="https://example.com/a.png" alt="A" onerror="alert(1)">',
      'EVENT_HANDLER_NOT_ALLOWED',
      'img',
    ],
    [
      'ONCLICK in capitals',
      '<a href="https://example.com/" ONCLICK="alert(1)">Go</a>',
      'EVENT_HANDLER_NOT_ALLOWED',
      'a',
    ],
    ['a javascript: link', '<a href="javascript:alert(1)">Go</a>', 'JAVASCRIPT_URL_NOT_ALLOWED', 'a'],
    [
      'javascript: hidden by an entity',
      '<a href="&#106;avascript:alert(1)">Go</a>',
      'JAVASCRIPT_URL_NOT_ALLOWED',
      'a',
    ],
    [
      'javascript: after a space and a tab',
      '<a href=" \tjavascript:alert(1)">Go</a>',
      'JAVASCRIPT_URL_NOT_ALLOWED',
      'a',
    ],
    ['a vbscript: link', '<a href="vbscript:msgbox(1)">Go</a>', 'JAVASCRIPT_URL_NOT_ALLOWED', 'a'],
    [
      'a data:text/html source',
      '<img src="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;" alt="x">',
      'JAVASCRIPT_URL_NOT_ALLOWED',
      'img',
    ],
    [
      'an iframe',
      '<iframe src="https://example.com/"><p>inside</p></iframe>',
      'ELEMENT_NOT_ALLOWED',
      'iframe',
    ],
    [
      'an object',
      '<object data="https://example.com/x.swf"><param name="a" value="b"></object>',
      'ELEMENT_NOT_ALLOWED',
      'object',
    ],
    ['an embed', '<embed src="https://example.com/x.swf">', 'ELEMENT_NOT_ALLOWED', 'embed'],
    [
      'a form',
      '<form action="https://example.com/"><input name="q"><button>Go</button></form>',
      'ELEMENT_NOT_ALLOWED',
      'form',
    ],
    [
      'an svg with onload',
      '<svg onload="alert(1)" width="10" height="10"><circle r="4"/></svg>',
      'EVENT_HANDLER_NOT_ALLOWED',
      'svg',
    ],
    [
      'an svg link to xlink:href javascript:',
      '<svg><a xlink:href="javascript:alert(1)"><text>Go</text></a></svg>',
      'JAVASCRIPT_URL_NOT_ALLOWED',
      'a',
    ],
    // merge tags that would build script only once merged
    [
      'a scheme built by [[IF]]',
      `<a href='[[IF:customer.firstname="Kari"]]javascript:alert(1)[[ENDIF]]'>Go</a>`,
      'MERGE_TAG_BEFORE_URL_SCHEME',
      'a',
    ],
    [
      'a <script> tag joined by [[SET]]',
      '<scr[[SET:x="1"]]ipt>alert(1)</scr[[SET:x="1"]]ipt>',
      'MERGE_TAG_IN_MARKUP',
      'scr[[set:x="1"]]ipt',
    ],
    [
      'a merge tag across two attributes',
      '<a href="[[SET:y=" title="]]javascript:alert(1)">Go</a>',
      'MERGE_TAG_IN_MARKUP',
      'a',
    ],
    [
      'a comment closed by a merge tag',
      '<!-- --[[SET:x="1"]]> <img src="x.png" alt="" onerror="alert(1)"> -->',
      'COMMENT_NOT_ALLOWED',
      '',
    ],
    [
      'a meta refresh',
      '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
      'ELEMENT_NOT_ALLOWED',
      'meta',
    ],
  ];

  it.each(cases)(
    '%s: an audit error on its line, and none of it in the render',
    async (_name, body, code, element) => {
      const content: EmailContent = { format: 'html', source: page(body) };
      const values = { 'customer.firstname': 'Kari' };
      // the control: merged without the sanitiser, the checker does see the script
      const unsafe = compileTemplate(content.source, 'html', { isKnown: () => true }).program;
      expect(activeContent(unsafe?.render(values) ?? '')).not.toEqual([]);
      const rendered = await render(content);
      const findings = audit(content, rendered);
      const finding = findings.find((f) => f.code === code);
      expect(finding, JSON.stringify(findings)).toMatchObject({
        severity: 'error',
        where: { part: 'content', line: 3, ...(element ? { element } : {}) },
      });
      expect(finding?.message).toMatch(/[a-z]/);
      expect(activeContent(rendered.html)).toEqual([]);
      expect(activeContent(merged(rendered, values))).toEqual([]);
      // the rest of the message is still there
      expect(rendered.html).toContain('<p>The rest of the message.</p>');
    },
  );

  it('the audit names the line and column, and a marketing user can read the message', async () => {
    const source = '<html><body>\n<p>Hello</p>\n<p>Offer</p><script>alert(1)</script>\n</body></html>';
    const content: EmailContent = { format: 'html', source };
    const findings = audit(content, await render(content));
    expect(findings.find((f) => f.code === 'SCRIPT_NOT_ALLOWED')).toMatchObject({
      severity: 'error',
      message: expect.stringContaining('remove the <script>'),
      where: { part: 'content', line: 3, column: 13, element: 'script' },
    });
  });

  it('MJML: script in mj-raw, a javascript: button and an on… attribute are errors with their MJML line; none reaches the HTML', async () => {
    const source = [
      '<mjml><mj-body><mj-section><mj-column>',
      '<mj-raw><script>alert(1)</script></mj-raw>',
      '<mj-button href="javascript:alert(2)">Go</mj-button>',
      '<mj-text><a href="https://example.com/" onclick="alert(3)">Read</a></mj-text>',
      '</mj-column></mj-section></mj-body></mjml>',
    ].join('\n');
    const content: EmailContent = { format: 'mjml', source };
    const rendered = await render(content);
    const findings = audit(content, rendered).filter((f) => f.severity === 'error');
    expect(findings.map((f) => [f.code, f.where.line])).toEqual([
      ['SCRIPT_NOT_ALLOWED', 2],
      ['JAVASCRIPT_URL_NOT_ALLOWED', 3],
      ['EVENT_HANDLER_NOT_ALLOWED', 4],
    ]);
    expect(activeContent(rendered.html)).toEqual([]);
    // the tracked link is still found and numbered
    expect(rendered.links.map((l) => l.url)).toEqual(['https://example.com/']);
  });

  it('MJML: an attribute only MJML adds (mj-html-attributes) is removed, and reported from the render', async () => {
    const source = `<mjml><mj-head><mj-html-attributes><mj-selector path=".x div"><mj-html-attribute name="onclick">alert(1)</mj-html-attribute></mj-selector></mj-html-attributes></mj-head>
<mj-body><mj-section><mj-column><mj-text css-class="x">Hello</mj-text></mj-column></mj-section></mj-body></mjml>`;
    const content: EmailContent = { format: 'mjml', source };
    const rendered = await render(content);
    expect(activeContent(rendered.html)).toEqual([]);
    expect(audit(content, rendered).find((f) => f.code === 'EVENT_HANDLER_NOT_ALLOWED')).toMatchObject({
      severity: 'error',
      where: { part: 'content', element: 'div' },
    });
  });

  it('the e-mail starters audit without these errors and render byte for byte as MJML made them', async () => {
    const { default: mjml2html } = await import('mjml');
    const newCodes = [
      'SCRIPT_NOT_ALLOWED',
      'EVENT_HANDLER_NOT_ALLOWED',
      'JAVASCRIPT_URL_NOT_ALLOWED',
      'ELEMENT_NOT_ALLOWED',
      'MERGE_TAG_IN_MARKUP',
      'MERGE_TAG_BEFORE_URL_SCHEME',
      'COMMENT_NOT_ALLOWED',
    ];
    const starters = starterTemplates.filter((t) => t.channel === 'email');
    expect(starters.length).toBeGreaterThan(0);
    for (const t of starters) {
      const content = t.content as EmailContent;
      const made = (await mjml2html(content.source, { validationLevel: 'soft', keepComments: false })).html;
      // the sanitiser changes nothing in MJML's output: conditional comments, <style>, tables, links
      expect(sanitizeHtml(made)).toEqual({ html: made, unsafe: [] });
      const rendered = await render(content);
      expect(rendered.removed).toEqual([]);
      expect(audit(content, rendered).filter((f) => newCodes.includes(f.code))).toEqual([]);
      expect(rendered.html).toContain('<!--[if mso | IE]>');
      expect(rendered.html).toContain('<style type="text/css">');
      expect(rendered.html).toContain('href="[[link.subscription]]"');
      expect(rendered.html).toMatch(/href="\[\[#link:\d+\]\]"/);
    }
  });

  it('keeps what e-mail HTML needs: tables, inline styles, <style>, conditional comments, images, http(s)/mailto/tel links, merge tags', async () => {
    const source = `<!DOCTYPE html>
<html xmlns:v="urn:schemas-microsoft-com:vml"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><style type="text/css">
  a[href^="tel"] { color: inherit; } @media (max-width: 480px) { .col { width: 100% !important; } }
</style><!--[if mso]><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml><![endif]--></head>
<body style="margin:0"><table role="presentation" width="100%" cellpadding="0" border="0"><tr><td class="col" style="padding:8px;font-family:Arial" bgcolor="#ffffff" nowrap>
<!--[if mso]><v:roundrect href="https://example.com/offer" style="height:40px" arcsize="10%"><![endif]-->
<a href="https://example.com/offer?id=[[customer.email]]&amp;x={{campaign}}" style="color:#1e3a8a">Offer</a>
<a href="http://example.com/plain">Plain</a> <a href="https://example.com/news">News</a> <a href="mailto:[[ourContact.email]]">Mail us</a> <a href="tel:+4712345678">Call</a>
<a href="[[link.subscription]]">Unsubscribe</a> <a href="#top">Top</a>
<img src="https://example.com/logo.png" alt="Logo" width="120" style="display:block"><img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">
Dear [[customer.firstname]], [[IF:company.name]]at [[company.name]][[ENDIF]] — 5 &lt; 6 &amp; 7 > 3
<!--[if mso]></v:roundrect><![endif]--></td></tr></table></body></html>`;
    expect(sanitizeHtml(source)).toEqual({ html: source, unsafe: [] });
    const content: EmailContent = { format: 'html', source };
    const rendered = await render(content);
    // tracked-link rewriting still finds the links (those with merge tags stay per recipient)
    expect(rendered.links.map((l) => l.url)).toEqual([
      'http://example.com/plain',
      'https://example.com/news',
    ]);
    expect(rendered.html).toContain(
      'href="https://example.com/offer?id=[[customer.email]]&amp;x={{campaign}}"',
    );
    expect(rendered.html).toContain('href="mailto:[[ourContact.email]]"');
    expect(rendered.html).toContain('<!--[if mso]><v:roundrect href="https://example.com/offer"');
    expect(audit(content, rendered).filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe.each(engines)('script in an HTML mailing over HTTP on %s', (engine) => {
  let t: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await openTestApp(engine);
    auth = { authorization: `Bearer ${t.adminKey}` };
    await t.services.settings.update({ privacyFilter: false }, admin);
  });
  afterAll(async () => t.dispose());

  /** An e-mail mailing with one recipient (from a CSV file) and the given HTML; answers its id and the recipient's. */
  async function mailing(source: string): Promise<{ id: number; recipientId: number }> {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/mailings',
      headers: auth,
      payload: { name: 'Hostile', channel: 'email' },
    });
    const id = created.json().id as number;
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/mailings/${id}/template`,
      headers: auth,
      payload: { blank: true },
    });
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/mailings/${id}`,
      headers: auth,
      payload: {
        setup: {
          subject: 'Offer',
          preheader: 'Now',
          from: { name: 'Shop', address: 'shop@posthorn.example' },
        },
        content: { format: 'html', source },
      },
    });
    expect(patched.statusCode).toBe(200);
    const file = multipart({}, { name: 'r.csv', content: 'name,email\nIda Gjest,ida@example.com\n' });
    const added = await t.app.inject({
      method: 'POST',
      url: `/api/v1/mailings/${id}/recipient-sources`,
      headers: { ...auth, ...file.headers },
      payload: file.payload,
    });
    expect(added.statusCode).toBe(201);
    const list = await t.app.inject({ url: `/api/v1/mailings/${id}/recipients?status=ready`, headers: auth });
    return { id, recipientId: list.json().items[0].id as number };
  }

  it('PATCH HTML with a script: the content step is incomplete with SCRIPT_NOT_ALLOWED, send is refused, the preview has no script', async () => {
    const { id, recipientId } = await mailing(
      '<html><body>\n<p>Hello [[customer.name]]</p>\n<script>fetch("/api/v1/api-keys", { method: "POST" })</script><img src="https://example.com/a.png" alt="a" onerror="alert(1)">\n</body></html>',
    );
    const steps = (await t.app.inject({ url: `/api/v1/mailings/${id}/steps`, headers: auth })).json();
    const content = steps.items.find((s: { step: string }) => s.step === 'content');
    expect(content.complete).toBe(false);
    expect(content.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'content',
          code: 'SCRIPT_NOT_ALLOWED',
          message: expect.stringContaining('line 3'),
        }),
        expect.objectContaining({ code: 'EVENT_HANDLER_NOT_ALLOWED' }),
      ]),
    );
    const send = await t.app.inject({ method: 'POST', url: `/api/v1/mailings/${id}/send`, headers: auth });
    expect(send.statusCode).toBe(409);
    expect(send.json().error.code).toBe('MAILING_INCOMPLETE');
    const preview = await t.app.inject({
      url: `/api/v1/mailings/${id}/preview?recipientId=${recipientId}`,
      headers: auth,
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().html).toContain('Hello Ida Gjest');
    expect(activeContent(preview.json().html)).toEqual([]);
  });

  it('a render cached before the sanitiser (still holding a script) is rendered again before it is shown', async () => {
    const { id, recipientId } = await mailing('<html><body><p>Old content</p></body></html>');
    await t.app.inject({ url: `/api/v1/mailings/${id}/rendered`, headers: auth });
    const db = t.services.db;
    const row = await db
      .selectFrom('mailings')
      .select('rendered')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    // as stored by a Posthorn without the sanitiser: no revision, and the script in the HTML
    const { sanitizer: _s, removed: _r, ...old } = JSON.parse(row.rendered ?? '{}') as RenderedEmail;
    old.html = old.html.replace('<p>Old content</p>', '<p>Old content</p><script>alert(1)</script>');
    await db
      .updateTable('mailings')
      .set({ rendered: JSON.stringify(old) })
      .where('id', '=', id)
      .execute();
    const preview = await t.app.inject({
      url: `/api/v1/mailings/${id}/preview?recipientId=${recipientId}`,
      headers: auth,
    });
    expect(preview.json().html).toContain('Old content');
    expect(activeContent(preview.json().html)).toEqual([]);
  });
});
