import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workers } from '../../src/app.js';
import { ImapPoller } from '../../src/bounces/imap.js';
import { InboundSmtp } from '../../src/bounces/inbound.js';
import type { ManualClock } from '../../src/core/index.js';
import type { TestApp } from '../helpers/app.js';
import {
  audience,
  openSendingFixture,
  type SendingFixture,
  sendTrackedMailing,
  trackingLinks,
} from '../helpers/audience.js';
import { corpusMessage } from '../helpers/bounce-corpus.js';
import { engines } from '../helpers/databases.js';
import { dovecotMissing, startDovecot } from '../helpers/dovecot.js';
import { admin } from '../helpers/services.js';
import type { Received, receiver } from '../helpers/smtp.js';

const _secret = 'test-instance-secret-that-is-long-enough-0123456789';
const bounceDomain = 'bounce.posthorn.test';

/**
 * Bounces and complaints end to end: real messages are sent over SMTP, their bounces come back
 * into the inbound SMTP receiver, a Dovecot mailbox or a webhook, and the recipient, the blocked
 * addresses and the person's consent change exactly as PRODUCT.md §11 says.
 */
describe.each(engines)('bounces and complaints on %s', (engine) => {
  let t: TestApp;
  let clock: ManualClock;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let workers: Workers;
  let inbound: InboundSmtp;
  let inboundPort: number;
  let persons: number[];
  let news: number;
  let selectionId: number;

  let fixture: SendingFixture;

  beforeAll(async () => {
    fixture = await openSendingFixture(engine, bounceDomain);
    ({ t, clock, rx, workers } = fixture);
    const a = await audience(t.services, 10, ['News']);
    persons = a.persons;
    news = a.types[0] as number;
    selectionId = a.selectionId;
    inbound = new InboundSmtp(t.services.bounces, t.services.tracking, {
      host: '127.0.0.1',
      port: 0,
      bounceDomain,
      maxBytes: 10 * 1024 * 1024,
      connectionsPerMinute: 1000,
    });
    inboundPort = await inbound.start();
  });
  afterAll(async () => {
    await inbound.close();
    await fixture.dispose();
  });

  const send = (name: string) =>
    sendTrackedMailing(t.services, workers, rx.received, { name, selectionId, subscriptionTypeId: news });
  const to = (messages: Received[], i: number) =>
    messages.find((m) => m.to[0] === `p${i}@example.test`) as Received;

  /** Delivers a message into the bounce receiver over SMTP, as a remote MTA would. */
  async function deliver(rcpt: string, raw: string | Buffer) {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: inboundPort,
      secure: false,
      ignoreTLS: true,
    });
    try {
      return await transport.sendMail({ envelope: { from: '', to: rcpt }, raw });
    } finally {
      transport.close();
    }
  }

  async function bounceFor(file: string, message: Received) {
    const l = await trackingLinks(message);
    const verp = l.returnPath;
    const token = /^bounces\+(.+)@/.exec(verp)?.[1] as string;
    const raw = corpusMessage(file, { rcpt: l.to, token, messageId: l.messageId, bounceDomain });
    return { verp, raw, token, links: l };
  }

  const recipientOf = (mailingId: number, personId: number) =>
    t.services.db
      .selectFrom('recipients')
      .selectAll()
      .where('mailing_id', '=', mailingId)
      .where('person_id', '=', personId)
      .executeTakeFirstOrThrow();
  const count = async (table: 'bounces' | 'blocked_addresses') =>
    Number(
      (
        await t.services.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('a hard bounce into the VERP address blocks the address at once; later mailings skip it', async () => {
    const { id, messages } = await send('Hard');
    const b = await bounceFor('postfix-user-unknown.eml', to(messages, 0));
    expect(b.verp).toMatch(new RegExp(`^bounces\\+[\\w.-]+@${bounceDomain}$`));
    const info = await deliver(b.verp, b.raw);
    expect(info.accepted).toEqual([b.verp]);
    const r = await recipientOf(id, persons[0] as number);
    expect(r).toMatchObject({ status: 'bounced', reason: 'hardBounce', bounce_code: '5.1.1' });
    expect(r.bounce_diagnostic).toContain('User unknown');
    const blocked = await t.services.bounces.blocked({ reason: 'hardBounce' });
    expect(blocked.items.map((x) => x.address)).toEqual(['p0@example.test']);
    expect(blocked.items[0]?.personIds).toEqual([persons[0]]);
    const next = await t.services.mailings.create({ name: 'Next', channel: 'email' }, admin);
    await t.services.mailings.update(next.id, { selectionId, subscriptionTypeId: news }, admin);
    await t.services.recipients.build(next.id, admin);
    const list = await t.services.recipients.list(next.id, { status: 'blocked' });
    expect(list.items.map((x) => [x.personId, x.reason])).toEqual([[persons[0], 'blockedAddress']]);
  });

  it('the receiver is never a relay: other recipients, forged tokens and oversized messages are refused; nothing is stored', async () => {
    const before = [await count('bounces'), await count('blocked_addresses')];
    for (const rcpt of [
      `someone@${bounceDomain}`,
      'victim@gmail.com',
      `bounces+forged.AAAAAAAAAAAAAAAAAAAAAA@${bounceDomain}`,
    ]) {
      await expect(deliver(rcpt, 'Subject: hi\r\n\r\nhello\r\n')).rejects.toMatchObject({
        responseCode: 550,
      });
    }
    const { messages } = await send('Big');
    const b = await bounceFor('postfix-user-unknown.eml', to(messages, 1));
    const big = Buffer.concat([Buffer.from(b.raw), Buffer.alloc(50 * 1024 * 1024, 'a')]);
    await expect(deliver(b.verp, big)).rejects.toMatchObject({ responseCode: 552 });
    expect([await count('bounces'), await count('blocked_addresses')]).toEqual(before);
  });

  it('a client connecting too often is told to come back later (421)', async () => {
    const strict = new InboundSmtp(t.services.bounces, t.services.tracking, {
      host: '127.0.0.1',
      port: 0,
      bounceDomain,
      maxBytes: 1024 * 1024,
      connectionsPerMinute: 2,
    });
    const port = await strict.start();
    try {
      const attempt = () => {
        const transport = nodemailer.createTransport({
          host: '127.0.0.1',
          port,
          secure: false,
          ignoreTLS: true,
        });
        return transport
          .sendMail({ envelope: { from: '', to: `x@${bounceDomain}` }, raw: 'Subject: x\r\n\r\nx\r\n' })
          .then(
            () => 0,
            (e: { responseCode?: number }) => e.responseCode ?? -1,
          )
          .finally(() => transport.close());
      };
      // the first two reach RCPT TO (and are refused there: not our address); the third not even the greeting
      expect([await attempt(), await attempt(), await attempt()]).toEqual([550, 550, 421]);
    } finally {
      await strict.close();
    }
  });

  it('a message that is not a bounce, and a DSN for an unknown recipient, are recorded as unmatched with the reason and change nothing', async () => {
    const { id, messages } = await send('Unmatched');
    const b = await bounceFor('not-a-bounce-out-of-office.eml', to(messages, 2));
    await deliver(b.verp, b.raw);
    expect((await recipientOf(id, persons[2] as number)).status).toBe('sent');
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/bounces/unmatched',
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(res.json().items[0]).toMatchObject({ kind: 'unreadable', source: 'smtp' });
    expect(res.json().items[0].reason).toContain('not a bounce');
    const unknown = corpusMessage('postfix-user-unknown.eml', {
      rcpt: 'ghost@example.test',
      token: 'nope',
      messageId: '<unknown@x>',
    });
    const parsed = await (await import('../../src/bounces/parse.js')).parseBounce(unknown);
    if (!parsed.ok) throw new Error(parsed.reason);
    const out = await t.services.bounces.ingest(parsed.report, 'imap');
    expect(out).toMatchObject({ matched: false });
    expect(out.note).toContain('unknown recipient');
  });

  it('bounce forgery: a "550 user unknown" to bounces+<link token> (from a forwarded copy) blocks nobody and is kept unmatched as linkTokenNotAccepted; the genuine return path still blocks', async () => {
    const { id, messages } = await send('Forged');
    const genuine = await bounceFor('postfix-user-unknown.eml', to(messages, 2));
    const link = genuine.links.token;
    // the return path has its own token, not the one of the links and List-Unsubscribe
    expect(genuine.token).not.toBe(link);
    expect(genuine.links.unsubscribe).toContain(`/t/u/${link}`);
    expect(t.services.bounces.returnPathToken(link)).toBeNull();
    expect(t.services.bounces.returnPathToken(genuine.token)).toMatchObject({ mailingId: id });
    // what the holder of a forwarded copy can write: the link token everywhere, a made-up Message-ID
    const forgedTo = `bounces+${link}@${bounceDomain}`;
    const forged = corpusMessage('postfix-user-unknown.eml', {
      rcpt: 'p2@example.test',
      token: link,
      messageId: '<made.up@forger.test>',
      bounceDomain,
    });
    const before = await count('blocked_addresses');
    expect((await deliver(forgedTo, forged)).accepted).toEqual([forgedTo]);
    expect(inbound.results.at(-1)?.outcome).toContain('linkTokenNotAccepted');
    expect(await recipientOf(id, persons[2] as number)).toMatchObject({ status: 'sent', bounced_at: null });
    expect(await count('blocked_addresses')).toBe(before);
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/bounces/unmatched',
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(res.json().items[0]).toMatchObject({ kind: 'hard', source: 'smtp', address: 'p2@example.test' });
    expect(res.json().items[0].reason).toMatch(/^linkTokenNotAccepted/);
    // the same through the bounce mailbox (no envelope: only the To header and the quoted original)
    const parsed = await (await import('../../src/bounces/parse.js')).parseBounce(forged);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(await t.services.bounces.ingest(parsed.report, 'imap')).toMatchObject({
      matched: false,
      note: expect.stringMatching(/^linkTokenNotAccepted/),
    });
    expect((await recipientOf(id, persons[2] as number)).status).toBe('sent');
    // the genuine return path blocks at once
    await deliver(genuine.verp, genuine.raw);
    expect(await recipientOf(id, persons[2] as number)).toMatchObject({
      status: 'bounced',
      reason: 'hardBounce',
    });
    expect((await t.services.bounces.blocked({ q: 'p2@' })).items.map((x) => x.address)).toEqual([
      'p2@example.test',
    ]);
  });

  it('a bounce of a message sent before return-path tokens (a link token in the return path) still matches by its original Message-ID', async () => {
    await t.services.settings.update({ bounceThreshold: 5 }, admin);
    const { id, messages } = await send('Before');
    const l = await trackingLinks(to(messages, 4));
    const oldReturnPath = `bounces+${l.token}@${bounceDomain}`;
    const raw = corpusMessage('gmail-over-quota.eml', {
      rcpt: l.to,
      token: l.token,
      messageId: l.messageId,
      bounceDomain,
    });
    await deliver(oldReturnPath, raw);
    expect(await recipientOf(id, persons[4] as number)).toMatchObject({
      status: 'bounced',
      reason: 'softBounce',
    });
    // p4 reads it afterwards: the soft-bounce count starts over for the next test
    clock.advance(60_000);
    await t.app.inject({
      method: 'GET',
      url: l.pixel.replace('http://localhost:3000', ''),
      headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/120' },
    });
  });

  it('soft bounces: blocked after N consecutive bounced mailings; the same mailing counts once; a read resets the count', async () => {
    await t.services.settings.update({ bounceThreshold: 2 }, admin);
    const m1 = await send('Soft 1');
    for (const i of [3, 3, 4]) {
      const b = await bounceFor('gmail-over-quota.eml', to(m1.messages, i));
      await deliver(b.verp, b.raw);
    }
    expect(await recipientOf(m1.id, persons[3] as number)).toMatchObject({
      status: 'bounced',
      reason: 'softBounce',
    });
    expect((await t.services.bounces.blocked({ reason: 'softBounces' })).total).toBe(0);
    // p4 reads the next mailing (a person opened it): the count starts over
    const m2 = await send('Soft 2');
    clock.advance(60_000);
    const l4 = await trackingLinks(to(m2.messages, 4));
    await t.app.inject({
      method: 'GET',
      url: l4.pixel.replace('http://localhost:3000', ''),
      headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/120' },
    });
    for (const i of [3, 4]) {
      const b = await bounceFor('postfix-mailbox-full.eml', to(m2.messages, i));
      await deliver(b.verp, b.raw);
    }
    const blocked = await t.services.bounces.blocked({ reason: 'softBounces' });
    expect(blocked.items.map((x) => x.address)).toEqual(['p3@example.test']);
    await t.services.settings.update({ bounceThreshold: 5 }, admin);
  });

  it('a complaint (ARF): recipient complained, e-marketing consent withdrawn with source complaint, address blocked', async () => {
    const { id, messages } = await send('Complaint');
    const b = await bounceFor('generic-arf-headers-only.eml', to(messages, 5));
    await deliver(b.verp, b.raw);
    expect((await recipientOf(id, persons[5] as number)).status).toBe('complained');
    const consents = await t.services.preferences.consentsOf(persons[5] as number);
    expect(consents.current.find((c) => c.purpose === 'emarketing')).toMatchObject({
      legalBasis: 'withdrawn',
      source: 'complaint',
    });
    expect((await t.services.bounces.blocked({ reason: 'complaint' })).items.map((x) => x.address)).toEqual([
      'p5@example.test',
    ]);
  });

  it('the mailto of List-Unsubscribe unsubscribes through the receiver', async () => {
    const { messages } = await send('Mailto');
    const l = await trackingLinks(to(messages, 6));
    await deliver(l.mailto, `From: p6@example.test\r\nTo: ${l.mailto}\r\nSubject: unsubscribe\r\n\r\n`);
    const subs = await t.services.preferences.subscriptionsOf(persons[6] as number);
    expect(subs[0]).toMatchObject({ status: 'cancelled', source: 'mailto' });
  });

  it('webhooks: generic (signed), Mailgun (its signature) and SES (token) are applied; a wrong signature or malformed JSON changes nothing', async () => {
    const { id, messages } = await send('Webhooks');
    const l7 = await trackingLinks(to(messages, 7));
    const l8 = await trackingLinks(to(messages, 8));
    const l9 = await trackingLinks(to(messages, 9));
    const key = (
      await t.app.inject({
        method: 'GET',
        url: '/api/v1/webhooks/bounces',
        headers: { authorization: `Bearer ${t.adminKey}` },
      })
    ).json();
    const body = JSON.stringify({
      type: 'hard',
      recipient: 'p7@example.test',
      messageId: l7.messageId,
      status: '5.1.1',
      diagnostic: '550 no such user',
    });
    const ts = Math.floor(clock.now() / 1000);
    const sign = (b: string, s = key.generic.secret as string) =>
      `t=${ts},v1=${createHmac('sha256', s).update(`${ts}.${b}`).digest('hex')}`;
    const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url,
        payload,
        headers: { 'content-type': 'application/json', ...headers },
      });

    const before = await count('bounces');
    const wrong = await post('/api/v1/webhooks/bounces?provider=generic', body, {
      'x-posthorn-signature': sign(body, 'not-the-secret'),
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const tampered = await post('/api/v1/webhooks/bounces?provider=generic', body.replace('p7', 'p1'), {
      'x-posthorn-signature': sign(body),
    });
    expect(tampered.statusCode).toBe(401);
    const malformed = await post('/api/v1/webhooks/bounces?provider=generic', '{"type": "hard",', {
      'x-posthorn-signature': sign('{"type": "hard",'),
    });
    expect(malformed.statusCode).toBe(400);
    expect(await count('bounces')).toBe(before);

    const ok = await post('/api/v1/webhooks/bounces?provider=generic', body, {
      'x-posthorn-signature': sign(body),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ received: 1, matched: 1 });
    expect(await recipientOf(id, persons[7] as number)).toMatchObject({
      status: 'bounced',
      reason: 'hardBounce',
    });

    const mgKey = t.services.webhookKeys.mailgunSigningKey;
    const sig = {
      timestamp: String(ts),
      token: 'a'.repeat(50),
      signature: createHmac('sha256', mgKey)
        .update(`${ts}${'a'.repeat(50)}`)
        .digest('hex'),
    };
    const mg = {
      signature: sig,
      'event-data': {
        event: 'complained',
        recipient: 'p8@example.test',
        message: { headers: { 'message-id': l8.messageId.replace(/[<>]/g, '') } },
      },
    };
    expect(
      (
        await post(
          '/api/v1/webhooks/bounces?provider=mailgun',
          JSON.stringify({ ...mg, signature: { ...sig, signature: '0'.repeat(64) } }),
        )
      ).statusCode,
    ).toBe(401);
    expect(
      (await post('/api/v1/webhooks/bounces?provider=mailgun', JSON.stringify(mg))).json(),
    ).toMatchObject({ matched: 1 });
    expect((await recipientOf(id, persons[8] as number)).status).toBe('complained');

    const ses = {
      Type: 'Notification',
      Message: JSON.stringify({
        notificationType: 'Bounce',
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: [
            {
              emailAddress: 'p9@example.test',
              status: '5.1.1',
              diagnosticCode: 'smtp; 550 5.1.1 user unknown',
            },
          ],
        },
        mail: {
          source: l9.returnPath,
          headers: [{ name: 'List-Unsubscribe', value: `<${l9.unsubscribe}>` }],
        },
      }),
    };
    // the List-Unsubscribe header alone carries only the link token: it identifies no recipient
    const linkOnly = { ...ses, Message: ses.Message.replace(/"source":"[^"]*",/, '') };
    expect(linkOnly.Message).not.toContain(l9.returnPath);
    const sesLinkOnly = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/bounces?provider=ses&token=${key.generic.secret}`,
      payload: JSON.stringify(linkOnly),
      headers: { 'content-type': 'text/plain; charset=UTF-8' },
    });
    expect(sesLinkOnly.json()).toMatchObject({ received: 1, matched: 0 });
    expect((await recipientOf(id, persons[9] as number)).status).toBe('sent');
    expect(
      (await post('/api/v1/webhooks/bounces?provider=ses&token=wrong', JSON.stringify(ses))).statusCode,
    ).toBe(401);
    const sesOk = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/bounces?provider=ses&token=${key.generic.secret}`,
      payload: JSON.stringify(ses),
      headers: { 'content-type': 'text/plain; charset=UTF-8' },
    });
    expect(sesOk.json()).toMatchObject({ received: 1, matched: 1 });
    expect(await recipientOf(id, persons[9] as number)).toMatchObject({
      status: 'bounced',
      reason: 'hardBounce',
    });
  });

  it('blocked-address actions: clear the flag, set as former employee, delete the address', async () => {
    const auth = { authorization: `Bearer ${t.adminKey}` };
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/blocked-addresses', headers: auth });
    expect(list.json().total).toBeGreaterThanOrEqual(4);
    const clear = await t.app.inject({
      method: 'POST',
      url: '/api/v1/blocked-addresses/clear',
      headers: auth,
      payload: { address: 'P0@example.test' },
    });
    expect(clear.statusCode).toBe(204);
    expect((await t.services.bounces.blocked({ q: 'p0@' })).total).toBe(0);
    const former = await t.app.inject({
      method: 'POST',
      url: '/api/v1/blocked-addresses/former-employee',
      headers: auth,
      payload: { address: 'p7@example.test' },
    });
    expect(former.json()).toEqual({ persons: 1 });
    expect((await t.services.persons.get(persons[7] as number)).formerEmployee).toBe(true);
    const del = await t.app.inject({
      method: 'POST',
      url: '/api/v1/blocked-addresses/delete-address',
      headers: auth,
      payload: { address: 'p9@example.test' },
    });
    expect(del.json()).toEqual({ persons: 1 });
    expect((await t.services.persons.get(persons[9] as number)).emails).toEqual([]);
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/blocked-addresses/clear',
      headers: auth,
      payload: { address: 'nobody@example.test' },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('clearing an unsubscribe or a complaint needs overrideConsent, changes nothing when refused, and is audited', async () => {
    const now = t.services.clock.now();
    for (const [address, reason] of [
      ['wish@example.test', 'unsubscribed'],
      ['angry@example.test', 'complaint'],
    ] as const)
      await t.services.db
        .insertInto('blocked_addresses')
        .values({
          address_key: address,
          address,
          channel: 'email',
          reason,
          code: null,
          diagnostic: null,
          blocked_at: now,
        })
        .execute();
    // a marketer edits the CRM but may not override consent
    const { key } = await t.services.access.createApiKey('marketer', 'marketer', admin);
    for (const address of ['wish@example.test', 'angry@example.test']) {
      const refused = await t.app.inject({
        method: 'POST',
        url: '/api/v1/blocked-addresses/clear',
        headers: { authorization: `Bearer ${key}` },
        payload: { address },
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('OVERRIDE_CONSENT_NOT_ALLOWED');
      expect((await t.services.bounces.blocked({ q: address })).total).toBe(1);
    }
    const cleared = await t.app.inject({
      method: 'POST',
      url: '/api/v1/blocked-addresses/clear',
      headers: { authorization: `Bearer ${t.adminKey}` },
      payload: { address: 'angry@example.test' },
    });
    expect(cleared.statusCode).toBe(204);
    expect((await t.services.bounces.blocked({ q: 'angry@' })).total).toBe(0);
    const audit = await t.services.access.listAudit(
      { entity: 'blockedAddress', entityId: 'angry@example.test' },
      10,
      0,
    );
    expect(audit.items[0]).toMatchObject({
      action: 'blockedAddress.clear',
      details: { reason: 'complaint' },
    });
  });

  it('the IMAP poller reads a Dovecot bounce mailbox, records each message, and moves it to Processed', async () => {
    if (dovecotMissing !== null) {
      // a visible skip: .ci/run installs Dovecot, a bare machine may not have it
      console.warn(`SKIPPED: the IMAP poller test needs Dovecot: ${dovecotMissing}`);
      return;
    }
    const dovecot = await startDovecot();
    try {
      const { id, messages } = await send('IMAP');
      const b = await bounceFor('gmail-no-such-user.eml', to(messages, 1));
      const { ImapFlow } = await import('imapflow');
      const c = new ImapFlow({
        host: '127.0.0.1',
        port: dovecot.port,
        secure: false,
        auth: { user: dovecot.user, pass: dovecot.password },
        logger: false,
      });
      await c.connect();
      await c.append('INBOX', b.raw);
      await c.append(
        'INBOX',
        corpusMessage('not-a-bounce-newsletter.eml', { rcpt: 'x@y.z', token: 'x', messageId: '<x@y>' }),
      );
      const poller = new ImapPoller(t.services.bounces, dovecot.url, { maxBytes: 10 * 1024 * 1024 });
      expect(await poller.pollOnce()).toEqual({ read: 2, matched: 1, unmatched: 1 });
      expect(await recipientOf(id, persons[1] as number)).toMatchObject({
        status: 'bounced',
        reason: 'hardBounce',
      });
      expect(await c.status('INBOX', { messages: true })).toMatchObject({ messages: 0 });
      expect(await c.status('Processed', { messages: true })).toMatchObject({ messages: 2 });
      // nothing new: nothing read
      expect(await poller.pollOnce()).toEqual({ read: 0, matched: 0, unmatched: 0 });
      await c.logout();
    } finally {
      dovecot.stop();
    }
  });
});
