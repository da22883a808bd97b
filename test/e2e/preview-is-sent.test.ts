import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SendingDomainsService } from '../../src/channels/email/domains.service.js';
import { DevOutboxTransport } from '../../src/channels/email/transport.js';
import {
  contentSchemaOf,
  documentSetupSchema,
  emailSetupSchema,
  mailingPatch,
  smsSetupSchema,
} from '../../src/mailings/index.js';
import type { Services } from '../../src/services.js';
import { openSendingFixture, type SendingFixture } from '../helpers/audience.js';
import { engines } from '../helpers/databases.js';
import { insertPersons } from '../helpers/persons.js';
import { admin } from '../helpers/services.js';

const pdftotext = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => existsSync(p));
const human = {
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36',
};

/** Every leaf of a setup or content schema, as the dotted path a PATCH names (`setup.from.name`). */
function leaves(schema: z.ZodType, prefix: string): string[] {
  if (schema instanceof z.ZodDefault) return leaves(schema.unwrap() as z.ZodType, prefix);
  if (schema instanceof z.ZodObject)
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([k, v]) =>
      leaves(v, `${prefix}.${k}`),
    );
  return [prefix];
}

/** A received e-mail as the tests read it. */
interface Sent {
  raw: string;
  mail: ParsedMail;
  to: string;
  returnPath: string;
  /** Without the `[TEST] ` a test send adds. */
  subject: string;
  html: string;
  text: string;
  from: { name: string; address: string } | null;
  replyTo: { name: string; address: string } | null;
  listUnsubscribe: string | null;
  messageId: string;
  /** The link token of the message (purpose `r`). */
  token: string;
}

function mailbox(a: AddressObject | AddressObject[] | undefined): { name: string; address: string } | null {
  const v = (Array.isArray(a) ? a[0] : a)?.value[0];
  return v ? { name: v.name, address: v.address ?? '' } : null;
}

/**
 * A change of one field between a test send and the send: `observe` reads what the field decides
 * from a message (or, for letters, from its text); after the change it is `expected`, before it
 * was something else.
 */
interface Change<M> {
  apply(id: number): Promise<unknown>;
  observe(message: M): unknown;
  expected: unknown;
}

describe.each(engines)('what is previewed is what is sent, on %s', (engine) => {
  let f: SendingFixture;
  let s: Services;
  let persons: number[];
  let newsletter: number;
  let linkA: number;
  let linkB: number;
  let contact: string;
  let emailBase: number;
  let smsBase: number;
  let documentBase: number;
  const address = (i: number) => `pv${i}@example.test`;
  const mobile = (i: number) => `+4790${String(i).padStart(6, '0')}`;

  beforeAll(async () => {
    // the API's renderer and the workers' use the same bounce domain (the public URL's host)
    f = await openSendingFixture(engine, 'localhost');
    s = f.t.services;
    await s.settings.update({ privacyFilter: false }, admin);
    persons = await insertPersons(s.db, 2, address, undefined, (i) => ({
      mobile: mobile(i),
      street: `Storgata ${i + 1}`,
      postcode: '0155',
      city: 'Oslo',
    }));
    newsletter = (await s.preferences.createSubscriptionType({ name: 'Newsletter' }, admin)).id;
    for (const p of persons)
      await s.preferences.setSubscription(p, newsletter, { status: 'active', source: 'test' }, admin);
    const all = await s.selections.create({ name: 'All', kind: 'static' }, admin);
    await s.selections.addMembers(all.id, persons, admin);
    linkA = (await s.trackedLinks.create({ name: 'A', url: 'https://example.com/a' }, admin)).id;
    linkB = (await s.trackedLinks.create({ name: 'B', url: 'https://example.com/b' }, admin)).id;
    // our contact of the first person, on a validated sending domain (checked by another service
    // instance over the same database, as another process would)
    const txt = new Map<string, string[][]>();
    const domains = new SendingDomainsService(s.db, f.clock, s.access, {
      resolveTxt: async (name: string) => txt.get(name) ?? [],
    });
    const sales = await domains.add({ domain: 'sales.test' }, admin);
    for (const r of sales.records) txt.set(r.name, [[r.value]]);
    await domains.check(sales.id, admin);
    contact = `ola-${engine}@sales.test`;
    const ola = await s.access.createUser(
      { email: contact, name: 'Ola Selger', password: 'long-enough-password-1', role: 'marketer' },
      admin,
    );
    await s.db
      .updateTable('persons')
      .set({ our_contact_id: ola.id })
      .where('id', '=', persons[0] as number)
      .execute();

    const email = await s.mailings.create({ name: 'News', channel: 'email' }, admin);
    await s.mailings.update(
      email.id,
      {
        selectionId: all.id,
        subscriptionTypeId: newsletter,
        setup: {
          subject: 'News for [[customer.firstname]]',
          preheader: 'The spring news',
          from: { rule: 'always', name: 'News desk', address: 'news@posthorn.test' },
          replyTo: { rule: 'own', name: 'Help desk', address: 'help@posthorn.test' },
          tracking: {
            opens: true,
            allLinks: false,
            utm: { enabled: true, source: 'news', campaign: 'spring' },
          },
          trackedLinkIds: [linkB],
        },
        content: {
          format: 'html',
          source:
            '<html><body><p>Dear [[customer.firstname]] [[customer.lastname]], today is [[FORMAT-DATE:"today","YY4-MM2-DD2"]].</p>[[IF:InEmailClient="1"]]<p>Seen in your e-mail client.</p>[[ENDIF]]<a href="https://example.com/a">A</a> <a href="https://example.com/b">B</a> <a href="[[link.subscription]]">Unsubscribe</a> <a href="[[link.viewShipmentMessage]]">View online</a></body></html>',
        },
      },
      admin,
    );
    await s.mailings.chooseTemplate(email.id, { blank: true }, admin);
    emailBase = email.id;

    const sms = await s.mailings.create({ name: 'Reminder', channel: 'sms' }, admin);
    await s.mailings.update(
      sms.id,
      {
        selectionId: all.id,
        setup: { sender: 'Posthorn' },
        content: { text: 'Hello [[customer.firstname]]' },
      },
      admin,
    );
    await s.mailings.chooseTemplate(sms.id, { blank: true }, admin);
    smsBase = sms.id;

    const letter = await s.mailings.create({ name: 'Statement', channel: 'document' }, admin);
    await s.mailings.update(
      letter.id,
      {
        selectionId: all.id,
        setup: {
          heading: 'Your statement',
          attention: { rule: 'always', text: 'Accounts' },
          ourReference: 'REF-[[customer.lastname]]',
          senderBlock: 'Posthorn AS\nKarl Johans gate 1',
        },
        content: { body: 'Dear [[customer.firstname]],\n\nyour statement is enclosed.' },
      },
      admin,
    );
    await s.mailings.chooseTemplate(letter.id, { blank: true }, admin);
    documentBase = letter.id;
  }, 60_000);
  afterAll(async () => f?.dispose());

  async function deliver(): Promise<void> {
    for (let k = 0; k < 100; k++) if ((await f.workers.worker.tick()) === 0) return;
  }

  /** A copy of a base mailing with its recipient list built; the first person's recipient id. */
  async function copyOf(base: number): Promise<{ id: number; rid: number }> {
    const { id } = await s.mailings.copy(base, admin);
    await s.recipients.build(id, admin);
    return { id, rid: await recipientOf(id) };
  }

  async function recipientOf(id: number): Promise<number> {
    const r = await s.db
      .selectFrom('recipients')
      .select('id')
      .where('mailing_id', '=', id)
      .where('person_id', '=', persons[0] as number)
      .executeTakeFirstOrThrow();
    return r.id;
  }

  /** The e-mails of a mailing the receiver got to the first person: test sends or the send. */
  async function received(id: number, kind: 'test' | 'send'): Promise<Sent[]> {
    const out: Sent[] = [];
    for (const r of f.rx.received) {
      const raw = r.raw.toString('utf8');
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
      const messageId = /\r\nMessage-ID: (<[^>]+>)/i.exec(`\r\n${head}`)?.[1] ?? '';
      if (!messageId.startsWith(kind === 'test' ? `<test.${id}.` : `<${id}.`)) continue;
      if (r.to[0] !== address(0)) continue;
      const mail = await simpleParser(r.raw);
      const html = typeof mail.html === 'string' ? mail.html : '';
      const list = /\r\nList-Unsubscribe:((?:[^\r]|\r\n[ \t])*)/i.exec(`\r\n${head}`)?.[1];
      out.push({
        raw,
        mail,
        to: r.to[0] ?? '',
        returnPath: r.from,
        subject: (mail.subject ?? '').replace(/^\[TEST\] /, ''),
        html,
        text: mail.text ?? '',
        from: mailbox(mail.from),
        replyTo: mailbox(mail.replyTo),
        // unfolded (RFC 5322: a fold is a CRLF before white space)
        listUnsubscribe: list === undefined ? null : list.replace(/\r\n/g, '').trim(),
        messageId,
        token: /\/t\/[cuvm]\/([\w-]+\.[\w-]+)/.exec(html)?.[1] ?? '',
      });
    }
    return out;
  }

  /**
   * The preview of the recipient is the message: subject, From, Reply-To, List-Unsubscribe, HTML
   * and text, byte for byte. A test send carries the preview's own token (the recipient's test
   * token); the send carries the recipient's link token, and nothing else differs.
   */
  async function expectPreviewIsSent(id: number, rid: number, sent: Sent): Promise<void> {
    const p = await s.render.preview(id, rid);
    if (p.channel !== 'email') throw new Error('e-mail expected');
    const previewToken = s.render.links.forRecipient(id, rid, true).token;
    expect(sent.token).not.toBe('');
    const swap = (x: string) => x.split(sent.token).join(previewToken);
    expect(swap(sent.subject)).toBe(p.subject);
    expect(swap(sent.html)).toBe(p.html);
    expect(swap(sent.text)).toBe(p.text);
    expect(sent.from).toEqual(p.from);
    expect(sent.replyTo).toEqual(p.replyTo);
    expect(sent.listUnsubscribe === null ? null : swap(sent.listUnsubscribe)).toBe(
      p.headers['List-Unsubscribe'] ?? null,
    );
  }

  it('preview bytes are sent bytes: the preview of R is the test send to R, and the send to R but for its token', async () => {
    const { id, rid } = await copyOf(emailBase);
    await s.sending.testSend(id, { addresses: address(0), recipientId: rid }, admin);
    await deliver();
    const [test] = await received(id, 'test');
    if (!test) throw new Error('no test message');
    expect(test.mail.subject).toMatch(/^\[TEST\] News for First0$/);
    expect(s.tracking.recipientToken(test.token)).toEqual({ mailingId: id, recipientId: rid, test: true });
    await expectPreviewIsSent(id, rid, test);
    // byte for byte, with the token of the preview itself
    const p = await s.render.preview(id, rid);
    if (p.channel !== 'email') throw new Error('e-mail expected');
    expect(test.html).toBe(p.html);
    expect(test.text).toBe(p.text);
    expect(p.html).toContain('Seen in your e-mail client.');
    expect(p.html).toContain('today is 2026-01-01');

    await s.sending.send(id, admin);
    await deliver();
    const [sent] = await received(id, 'send');
    if (!sent) throw new Error('no message');
    expect(s.tracking.recipientToken(sent.token)).toEqual({ mailingId: id, recipientId: rid, test: false });
    await expectPreviewIsSent(id, rid, sent);
  });

  it('Message-IDs end in the sending domain; the envelope sender is the return path of the message', async () => {
    const { id, rid } = await copyOf(emailBase);
    await s.sending.testSend(id, { addresses: address(0), recipientId: rid }, admin);
    await s.sending.send(id, admin);
    await deliver();
    const [test] = await received(id, 'test');
    const [sent] = await received(id, 'send');
    expect(test?.messageId).toMatch(new RegExp(`^<test\\.${id}\\.\\d+\\.0\\.[\\w-]+@posthorn\\.test>$`));
    expect(sent?.messageId).toMatch(new RegExp(`^<${id}\\.\\d+\\.${rid}\\.[0-9a-f]+@posthorn\\.test>$`));
    expect(sent?.returnPath).toMatch(/^bounces\+[\w-]+\.[\w-]+@localhost$/);
    expect(sent?.returnPath).not.toContain(sent?.token);
  });

  it('the dev outbox keeps the envelope sender: Return-Path first in the stored message, envelopeFrom in the list', async () => {
    const { id, rid } = await copyOf(emailBase);
    const prepared = await s.render.prepare(id);
    if (prepared.channel !== 'email') throw new Error('e-mail expected');
    const data = (await s.render.recipientData(id, [rid])).get(rid);
    if (!data) throw new Error('no merge data');
    const m = await s.render.renderFor(
      prepared,
      { id: rid, address: address(0), data },
      {
        kind: 'send',
        test: false,
        messageId: `<outbox.${id}@posthorn.test>`,
        roundId: 1,
        date: new Date(),
        now: 0,
      },
    );
    await new DevOutboxTransport(s.outbox).send({
      ledgerId: null,
      mailingId: id,
      from: m.envelopeFrom,
      to: address(0),
      subject: m.subject,
      raw: m.raw,
      test: false,
    });
    const auth = { authorization: `Bearer ${f.t.adminKey}` };
    const list = (await f.t.app.inject({ url: `/api/v1/outbox?mailingId=${id}`, headers: auth })).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0].envelopeFrom).toBe(m.envelopeFrom);
    expect(m.envelopeFrom).toMatch(/^bounces\+[\w-]+\.[\w-]+@localhost$/);
    const raw = await f.t.app.inject({ url: `/api/v1/outbox/${list.items[0].id}/raw`, headers: auth });
    expect(raw.body.startsWith(`Return-Path: <${m.envelopeFrom}>\r\n`)).toBe(true);
    expect((await simpleParser(raw.body)).subject).toBe('News for First0');
  });

  // ---- every editable field, changed between a test send and the send ----

  const clickTarget = async (m: Sent): Promise<URL> => {
    const href = [...m.html.matchAll(/href="http:\/\/localhost:3000(\/t\/c\/[^"]+\/(\d+))"/g)].find(
      (x) => x[2] !== '0' && x[2] !== '999999',
    )?.[1];
    const r = await f.t.app.inject({ method: 'GET', url: href ?? '/none', headers: human });
    return new URL(String(r.headers.location ?? 'none:'));
  };
  const tracked = (m: Sent, url: string) => !m.html.includes(`href="${url}"`);
  const preheader = (m: Sent) => /data-posthorn="preheader"[^>]*>([^<&]*)/.exec(m.html)?.[1] ?? null;
  const setup = (id: number, patch: Record<string, unknown>) =>
    s.mailings.update(id, { setup: patch }, admin);
  const content = (id: number, patch: Record<string, unknown>) =>
    s.mailings.update(id, { content: patch }, admin);

  /** Members of the mailing PATCH that decide who receives a message, or nothing a message shows. */
  const notShaping: Record<string, string> = {
    name: 'the mailing is named for its users; no e-mail, SMS or letter shows it (the PDF title does: see the letters)',
    folderId: 'where the mailing is filed',
    selectionId: 'who receives it (the recipients step), not what they receive',
    projectId: 'who receives it (the recipients step), not what they receive',
    recipientOptions: 'who receives it (the recipients step), not what they receive',
    'setup.allowReplies': 'a check of the SMS sender (replies need a number), not part of the message',
  };

  const emailChanges: Record<string, Change<Sent>> = {
    'setup.subject': {
      apply: (id) => setup(id, { subject: 'Changed for [[customer.firstname]]' }),
      observe: (m) => m.subject,
      expected: 'Changed for First0',
    },
    'setup.preheader': {
      apply: (id) => setup(id, { preheader: 'A new preheader' }),
      observe: preheader,
      expected: 'A new preheader',
    },
    'setup.from.rule': {
      apply: (id) => setup(id, { from: { rule: 'ourContact' } }),
      observe: (m) => m.from?.address,
      get expected() {
        return contact;
      },
    },
    'setup.from.name': {
      apply: (id) => setup(id, { from: { name: 'Changed desk' } }),
      observe: (m) => m.from?.name,
      expected: 'Changed desk',
    },
    'setup.from.address': {
      // onto a sending domain: signed by it, and the Message-ID ends in it
      apply: (id) => setup(id, { from: { address: 'news@sales.test' } }),
      observe: (m) =>
        [
          m.from?.address,
          /DKIM-Signature:[\s\S]*?d=([\w.-]+)/.exec(m.raw)?.[1] ?? 'unsigned',
          m.messageId.slice(m.messageId.indexOf('@') + 1, -1),
        ].join(' '),
      expected: 'news@sales.test sales.test sales.test',
    },
    'setup.replyTo.rule': {
      apply: (id) => setup(id, { replyTo: { rule: 'sameAsFrom' } }),
      observe: (m) => m.replyTo,
      expected: null,
    },
    'setup.replyTo.name': {
      apply: (id) => setup(id, { replyTo: { name: 'Other desk' } }),
      observe: (m) => m.replyTo?.name,
      expected: 'Other desk',
    },
    'setup.replyTo.address': {
      apply: (id) => setup(id, { replyTo: { address: 'other@posthorn.test' } }),
      observe: (m) => m.replyTo?.address,
      expected: 'other@posthorn.test',
    },
    'setup.tracking.opens': {
      apply: (id) => setup(id, { tracking: { opens: false } }),
      observe: (m) => /src="http:\/\/localhost:3000\/t\/c\/[^"]+\/0"/.test(m.html),
      expected: false,
    },
    'setup.tracking.allLinks': {
      apply: (id) => setup(id, { tracking: { allLinks: true } }),
      observe: (m) => tracked(m, 'https://example.com/a'),
      expected: true,
    },
    'setup.tracking.utm.enabled': {
      apply: (id) => setup(id, { tracking: { utm: { enabled: false } } }),
      observe: async (m) => (await clickTarget(m)).searchParams.has('utm_source'),
      expected: false,
    },
    'setup.tracking.utm.source': {
      apply: (id) => setup(id, { tracking: { utm: { source: 'letter' } } }),
      observe: async (m) => (await clickTarget(m)).searchParams.get('utm_source'),
      expected: 'letter',
    },
    'setup.tracking.utm.campaign': {
      apply: (id) => setup(id, { tracking: { utm: { campaign: 'autumn' } } }),
      observe: async (m) => (await clickTarget(m)).searchParams.get('utm_campaign'),
      expected: 'autumn',
    },
    'setup.trackedLinkIds': {
      apply: (id) => setup(id, { trackedLinkIds: [linkA, linkB] }),
      observe: (m) => tracked(m, 'https://example.com/a'),
      expected: true,
    },
    'content.format': {
      apply: (id) =>
        content(id, {
          format: 'mjml',
          source:
            '<mjml><mj-body><mj-section><mj-column><mj-text>Dear [[customer.firstname]] <a href="[[link.subscription]]">Unsubscribe</a></mj-text></mj-column></mj-section></mj-body></mjml>',
        }),
      observe: (m) => m.html.includes('mj-column-per-100'),
      expected: true,
    },
    'content.source': {
      apply: (id) =>
        content(id, {
          format: 'html',
          source:
            '<html><body><p>Hello again [[customer.firstname]]</p><a href="https://example.com/b">B</a> <a href="[[link.subscription]]">Unsubscribe</a></body></html>',
        }),
      observe: (m) => m.text.includes('Hello again First0'),
      expected: true,
    },
    subscriptionTypeId: {
      apply: (id) => s.mailings.update(id, { subscriptionTypeId: null }, admin),
      observe: (m) => m.listUnsubscribe !== null,
      expected: false,
    },
    // changes outside the PATCH that shape a message
    attachments: {
      apply: (id) =>
        s.mailings.addAttachment(id, 'terms.pdf', 'application/pdf', Buffer.from('%PDF-1.4'), admin),
      observe: (m) => m.mail.attachments.map((a) => a.filename),
      expected: ['terms.pdf'],
    },
    template: {
      apply: async (id) => {
        const starter = (await s.templates.list({ limit: 50, offset: 0, channel: 'email' })).items.find(
          (t) => t.name === 'Newsletter',
        );
        return s.mailings.chooseTemplate(id, { templateId: starter?.id ?? 0 }, admin);
      },
      observe: (m) => m.subject,
      expected: 'News from us, First0',
    },
  };

  const emailFields = [
    ...Object.keys(mailingPatch.shape).filter((k) => k !== 'setup' && k !== 'content'),
    ...leaves(emailSetupSchema, 'setup'),
    ...leaves(contentSchemaOf('email'), 'content'),
  ];
  const smsFields = [...leaves(smsSetupSchema, 'setup'), ...leaves(contentSchemaOf('sms'), 'content')];
  const documentFields = [
    ...leaves(documentSetupSchema, 'setup'),
    ...leaves(contentSchemaOf('document'), 'content'),
  ];

  it('every member of the mailing PATCH and every field of the setup and content schemas is tested below or named as shaping no message', () => {
    const known = new Set([
      ...Object.keys(notShaping),
      ...Object.keys(emailChanges),
      ...Object.keys(smsChanges),
      ...Object.keys(documentChanges),
    ]);
    expect([...emailFields, ...smsFields, ...documentFields].filter((f) => !known.has(f))).toEqual([]);
  });

  for (const field of [...emailFields.filter((x) => !(x in notShaping)), 'attachments', 'template'])
    it(`e-mail ${field}: changed between a test send and the send, the message shows it and is its preview`, async () => {
      const change = emailChanges[field];
      if (!change) throw new Error(`no change for ${field}: say what it changes in a sent message`);
      const { id, rid } = await copyOf(emailBase);
      await s.sending.testSend(id, { addresses: address(0), recipientId: rid }, admin);
      await deliver();
      const [test] = await received(id, 'test');
      if (!test) throw new Error('no test message');
      expect(await change.observe(test)).not.toEqual(change.expected);
      await change.apply(id);
      // the click redirects of the tracking pages are cached for 30 s per mailing
      f.clock.advance(31_000);
      // the list is built again (a new subscription type makes it stale): new recipient ids
      await s.recipients.build(id, admin);
      await s.sending.send(id, admin);
      await deliver();
      const [sent] = await received(id, 'send');
      if (!sent) throw new Error('no message');
      expect(await change.observe(sent)).toEqual(change.expected);
      await expectPreviewIsSent(id, await recipientOf(id), sent);
    });

  // ---- SMS: the dev outbox holds what the gateway was given ----

  interface SmsSent {
    text: string;
    sender: string;
  }
  const smsChanges: Record<string, Change<SmsSent>> = {
    'setup.sender': {
      apply: (id) => setup(id, { sender: 'Shop' }),
      observe: (m) => m.sender,
      expected: 'Shop',
    },
    'content.text': {
      apply: (id) => content(id, { text: 'Changed for [[customer.firstname]]' }),
      observe: (m) => m.text,
      expected: 'Changed for First0',
    },
  };

  async function smsOf(id: number, test: boolean): Promise<SmsSent | undefined> {
    const r = await s.db
      .selectFrom('outbox')
      .select(['message', 'subject'])
      .where('mailing_id', '=', id)
      .where('channel', '=', 'sms')
      .where('test', '=', test ? 1 : 0)
      .where('address', '=', mobile(0))
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return r ? { text: r.message, sender: (r.subject ?? '').replace(/^from /, '') } : undefined;
  }

  for (const field of smsFields.filter((x) => !(x in notShaping)))
    it(`SMS ${field}: changed between a test send and the send, the SMS shows it and is its preview`, async () => {
      const change = smsChanges[field];
      if (!change) throw new Error(`no change for ${field}: say what it changes in a sent SMS`);
      const { id, rid } = await copyOf(smsBase);
      await s.sending.testSend(id, { addresses: mobile(0), recipientId: rid }, admin);
      await deliver();
      const test = await smsOf(id, true);
      if (!test) throw new Error('no test SMS');
      expect(change.observe(test)).not.toEqual(change.expected);
      await change.apply(id);
      await s.recipients.build(id, admin);
      await s.sending.send(id, admin);
      await deliver();
      const sent = await smsOf(id, false);
      if (!sent) throw new Error('no SMS');
      expect(change.observe(sent)).toEqual(change.expected);
      const p = await s.render.preview(id, await recipientOf(id));
      expect(p).toMatchObject({ channel: 'sms', text: sent.text, sender: sent.sender });
    });

  // ---- letters: no test send; the preview before the change, the PDF after it ----

  const documentChanges: Record<string, Change<string>> = {
    'setup.heading': {
      apply: (id) => setup(id, { heading: 'Your new statement' }),
      observe: (text) => text.includes('Your new statement'),
      expected: true,
    },
    'setup.attention.rule': {
      // the recipient's name instead of the text
      apply: (id) => setup(id, { attention: { rule: 'ifNoneDefined' } }),
      observe: (text) => text.includes('Attn.: Accounts'),
      expected: false,
    },
    'setup.attention.text': {
      apply: (id) => setup(id, { attention: { text: 'Billing' } }),
      observe: (text) => text.includes('Attn.: Billing'),
      expected: true,
    },
    'setup.ourReference': {
      apply: (id) => setup(id, { ourReference: 'NEW-[[customer.lastname]]' }),
      observe: (text) => text.includes('Our ref.: NEW-Last0'),
      expected: true,
    },
    'setup.senderBlock': {
      apply: (id) => setup(id, { senderBlock: 'Posthorn Norge AS\nKarl Johans gate 1' }),
      observe: (text) => text.includes('Posthorn Norge AS'),
      expected: true,
    },
    'content.body': {
      apply: (id) => content(id, { body: 'Hello again [[customer.firstname]]' }),
      observe: (text) => text.includes('Hello again First0'),
      expected: true,
    },
  };

  const words = (t: string) => t.replace(/\s+/g, ' ').trim();

  for (const field of documentFields.filter((x) => !(x in notShaping)))
    it.skipIf(!pdftotext)(
      `letter ${field}: changed between a preview and the send, the PDF shows it and holds its preview`,
      async () => {
        const change = documentChanges[field];
        if (!change) throw new Error(`no change for ${field}: say what it changes in a letter`);
        const { id, rid } = await copyOf(documentBase);
        const before = await s.render.preview(id, rid);
        if (before.channel !== 'document') throw new Error('document expected');
        expect(change.observe(before.text)).not.toEqual(change.expected);
        await change.apply(id);
        await s.recipients.build(id, admin);
        await s.sending.send(id, admin);
        await deliver();
        const pdf = words(
          execFileSync(pdftotext as string, [(await s.sending.document(id)).file, '-'], { encoding: 'utf8' }),
        );
        const after = await s.render.preview(id, await recipientOf(id));
        if (after.channel !== 'document') throw new Error('document expected');
        expect(change.observe(after.text)).toEqual(change.expected);
        // every line of the preview is in the PDF (which places them on the page)
        for (const line of after.text.split('\n').filter((l) => l.trim() !== ''))
          expect(pdf, `${field}: ${line}`).toContain(words(line));
      },
    );
});
