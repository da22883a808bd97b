import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { insertPersons } from '../../test/helpers/persons.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import { SendingDomainsService } from '../channels/email/domains.service.js';
import {
  emailContentSchema,
  emailSetupSchema,
  renderEmail,
  starterTemplates,
  trapLinkNo,
} from '../mailings/index.js';
import { messageIdDomain } from '../sending/index.js';
import { buildServices, type Services } from '../services.js';
import { openDatabase } from '../storage/index.js';

describe('deliverability of what is rendered', () => {
  it('the HTML of every e-mail starter has no 1px font; its preheader is hidden by display, size and mso-hide, then filled', async () => {
    const emails = starterTemplates.filter((t) => t.channel === 'email');
    expect(emails.length).toBeGreaterThan(0);
    for (const t of emails) {
      const r = await renderEmail({
        content: emailContentSchema.parse(t.content),
        setup: emailSetupSchema.parse(t.setup),
        version: 1,
        registeredLinks: [],
        knownLinks: new Map(),
      });
      expect(r.html, t.key).not.toMatch(/font-size\s*:\s*1px/i);
      expect(r.html, t.key).not.toMatch(/line-height\s*:\s*1px/i);
      const preheader = /<div data-posthorn="preheader" style="([^"]*)">([^<]*)<\/div>/.exec(r.html);
      expect(preheader?.[1], t.key).toMatch(/display:none/);
      expect(preheader?.[1], t.key).toMatch(/max-height:0/);
      expect(preheader?.[1], t.key).toMatch(/overflow:hidden/);
      expect(preheader?.[1], t.key).toMatch(/mso-hide:all/);
      expect(preheader?.[2], t.key).toMatch(/^[^&]+(&zwnj;&nbsp;){20,}$/);
      // the text part starts with the content, not the preheader or its filler
      expect(r.text, t.key).not.toContain('\u200c');
    }
  });

  it("a Message-ID's right part is the sending domain (an FQDN, in ASCII), never a bare word", () => {
    expect(messageIdDomain('email', { from: { address: 'News@Posthorn.Example' } })).toBe('posthorn.example');
    expect(messageIdDomain('formResponse', { from: { address: 'a@b.c.test' } })).toBe('b.c.test');
    expect(messageIdDomain('email', { from: { address: 'post@blåbær.no' } })).toBe('xn--blbr-roah.no');
    expect(messageIdDomain('email', { from: { address: 'x@localhost' } })).toBe('posthorn.invalid');
    expect(messageIdDomain('sms', { sender: 'Shop' })).toBe('posthorn.invalid');
    expect(messageIdDomain('email', null)).toBe('posthorn.invalid');
  });
});

describe.each(engines)('revisions and the render key on %s', (engine) => {
  let s: Services;
  let database: Awaited<ReturnType<typeof openTestServices>>['database'];
  let clock: Awaited<ReturnType<typeof openTestServices>>['clock'];
  let personId: number;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    database = t.database;
    clock = t.clock;
    await s.settings.update({ privacyFilter: false }, admin);
    [personId] = (await insertPersons(s.db, 1, () => 'kari@example.test')) as [number];
  });
  afterAll(async () => database.dispose());

  const epoch = async () =>
    Number(
      (await s.db.selectFrom('render_epoch').select('n').where('id', '=', 1).executeTakeFirstOrThrow()).n,
    );

  async function emailMailing(): Promise<number> {
    const m = await s.mailings.create({ name: 'News', channel: 'email' }, admin);
    await s.mailings.update(
      m.id,
      {
        setup: {
          subject: 'Hello [[customer.firstname]]',
          from: { name: 'News', address: 'news@posthorn.test' },
        },
        content: {
          format: 'html',
          source: '<p>Dear [[customer.firstname]] <a href="https://example.com/a">A</a></p>',
        },
      },
      admin,
    );
    await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
    await s.recipients.addSource(m.id, { kind: 'persons', personIds: [personId] }, admin);
    return m.id;
  }

  it('every change that shapes a message raises the revision: setup, content, subscription type, template, attachments', async () => {
    const id = await emailMailing();
    const type = await s.preferences.createSubscriptionType({ name: `Type ${engine}` }, admin);
    let last = (await s.mailings.get(id)).revision;
    const raised = async (what: string, change: () => Promise<unknown>) => {
      await change();
      const now = (await s.mailings.get(id)).revision;
      expect(now, what).toBeGreaterThan(last);
      last = now;
    };
    await raised('subject', () => s.mailings.update(id, { setup: { subject: 'Other' } }, admin));
    await raised('from', () => s.mailings.update(id, { setup: { from: { name: 'Desk' } } }, admin));
    await raised('content', () =>
      s.mailings.update(id, { content: { format: 'html', source: '<p>x</p>' } }, admin),
    );
    await raised('subscription type', () => s.mailings.update(id, { subscriptionTypeId: type.id }, admin));
    const starter = (await s.templates.list({ limit: 50, offset: 0, channel: 'email' })).items[0];
    await raised('template', () => s.mailings.chooseTemplate(id, { templateId: starter?.id ?? 0 }, admin));
    const file = await s.mailings.addAttachment(
      id,
      'terms.pdf',
      'application/pdf',
      Buffer.from('%PDF-1.4'),
      admin,
    );
    expect((await s.mailings.get(id)).revision).toBeGreaterThan(last);
    last = (await s.mailings.get(id)).revision;
    await raised('attachment removed', () => s.mailings.removeAttachment(id, file.id, admin));
  });

  it('the database raises the render epoch on every change of sending domains, tracked links, custom fields and subscription types', async () => {
    let last = await epoch();
    const raised = async (what: string, change: () => Promise<unknown>) => {
      await change();
      const now = await epoch();
      expect(now, what).toBeGreaterThan(last);
      last = now;
    };
    const txt = new Map<string, string[][]>();
    const domains = new SendingDomainsService(s.db, clock, s.access, {
      resolveTxt: async (name: string) => txt.get(name) ?? [],
    });
    let domainId = 0;
    await raised('domain added', async () => {
      domainId = (await domains.add({ domain: `epoch-${engine}.test` }, admin)).id;
    });
    await raised('domain checked', () => domains.check(domainId, admin));
    await raised('domain deleted', () => domains.delete(domainId, admin));
    let linkId = 0;
    await raised('tracked link created', async () => {
      linkId = (await s.trackedLinks.create({ name: 'Shop', url: 'https://example.com/shop' }, admin)).id;
    });
    await raised('tracked link changed', () =>
      s.trackedLinks.update(linkId, { url: 'https://example.com/shop2' }, admin),
    );
    await raised('tracked link deleted', () => s.trackedLinks.delete(linkId, admin));
    let fieldId = 0;
    await raised('custom field created', async () => {
      fieldId = (
        await s.customFields.create(
          { entity: 'person', key: `shoe${engine}`, label: 'Shoe', type: 'text' },
          admin,
        )
      ).id;
    });
    await raised('custom field deleted', () => s.customFields.delete(fieldId, admin));
    const type = await s.preferences.createSubscriptionType({ name: `Gone ${engine}` }, admin);
    last = await epoch();
    await raised('subscription type deleted', () => s.preferences.deleteSubscriptionType(type.id, admin));
  });

  it('prepare compiles once per revision key and sees an edit made by another process (another database handle)', async () => {
    const id = await emailMailing();
    // a second "process": its own database handle and services over the same database
    const other = openDatabase(database.target);
    try {
      const api = buildServices(other, {
        clock,
        defaultCountry: 'NO',
        sessionTtlMs: 3_600_000,
        importBatchSize: 100,
        importMaxBytes: 1024,
        publicUrl: 'http://localhost:3000',
        secret: 'test-instance-secret-that-is-long-enough-0123456789',
      });
      const first = await s.render.prepare(id);
      expect(await s.render.prepare(id)).toBe(first);
      await api.mailings.update(id, { setup: { subject: 'Changed [[customer.firstname]]' } }, admin);
      const second = await s.render.prepare(id);
      expect(second).not.toBe(first);
      if (second.channel !== 'email') throw new Error('email expected');
      expect(second.subject.render({ 'customer.firstname': 'Kari' })).toBe('Changed Kari');
      // a change outside the mailing, made elsewhere: the From domain becomes a sending domain
      await api.sendingDomains.add({ domain: 'posthorn.test' }, admin);
      const third = await s.render.prepare(id);
      expect(third).not.toBe(second);
      if (third.channel !== 'email') throw new Error('email expected');
      expect(third.dkim?.domain).toBe('posthorn.test');
      expect(await s.render.prepare(id)).toBe(third);
    } finally {
      await other.close();
    }
  });

  it('a registered link changed elsewhere is tracked in the next render of the content', async () => {
    const id = await emailMailing();
    await s.mailings.update(id, { setup: { tracking: { allLinks: false } } }, admin);
    expect((await s.mailings.rendered(id)).links).toEqual([]);
    const link = await s.trackedLinks.create({ name: 'Old', url: 'https://example.com/old' }, admin);
    await s.mailings.update(id, { setup: { trackedLinkIds: [link.id] } }, admin);
    expect((await s.mailings.rendered(id)).links).toEqual([]);
    // the registry changes, not the mailing: the render key's epoch moves
    await s.trackedLinks.update(link.id, { url: 'https://example.com/a' }, admin);
    expect((await s.mailings.rendered(id)).links.map((l) => l.url)).toEqual(['https://example.com/a']);
    const prepared = await s.render.prepare(id);
    if (prepared.channel !== 'email') throw new Error('email expected');
    expect(prepared.html.links).toEqual(expect.arrayContaining([1, trapLinkNo]));
  });
});
