import { type AddressInfo, connect, createServer } from 'node:net';
import { sql } from 'kysely';
// @ts-expect-error mailauth ships no types for its internals
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { insertPersons } from '../../test/helpers/persons.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import { receiver } from '../../test/helpers/smtp.js';
import { startWorkers } from '../app.js';
import { SendingDomainsService } from '../channels/email/domains.service.js';
import type { ManualClock } from '../core/index.js';
import type { Services } from '../services.js';
import { SCHEDULER_LOCK } from './sending.service.js';

const secret = 'test-secret-that-is-long-enough-for-hmac-0123456789';
/** What every worker of these tests shares (the first test names its own public URL). */
const local = { secret, publicUrl: 'https://m.test', bounceDomain: 'b.test', run: false } as const;

describe.each(engines)('sending on %s', (engine) => {
  let s: Services;
  let clock: ManualClock;
  let dispose: () => Promise<void>;
  let newsletter: number;
  let selectionId: number;
  let allId: number;
  /** Recipients of the fault and lifecycle tests; the end-to-end test sends to all `total`. */
  const n = 500;
  const total = 5000;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    clock = t.clock;
    dispose = t.database.dispose;
    newsletter = (await s.preferences.createSubscriptionType({ name: 'Newsletter' }, admin)).id;
    await s.settings.update({ privacyFilter: false }, admin);
    const ids = await insertPersons(s.db, total, (i) => `p${i}@example${i % 7}.test`);
    const all = await s.selections.create({ name: 'All', kind: 'static' }, admin);
    allId = all.id;
    await s.selections.addMembers(all.id, ids, admin);
    const some = await s.selections.create({ name: 'Some', kind: 'static' }, admin);
    selectionId = some.id;
    await s.selections.addMembers(some.id, ids.slice(0, n), admin);
  });
  afterAll(async () => dispose());

  async function readyMailing(name = 'News', selection = selectionId): Promise<number> {
    const m = await s.mailings.create({ name, channel: 'email' }, admin);
    await s.mailings.update(
      m.id,
      {
        selectionId: selection,
        subscriptionTypeId: newsletter,
        setup: {
          subject: 'Hello [[customer.firstname]]',
          preheader: 'Pre',
          from: { name: 'News', address: 'news@posthorn.test' },
        },
        content: {
          format: 'html',
          source:
            '<html><body><p>Dear [[customer.firstname]] [[customer.lastname]]</p><a href="https://example.com/x">X</a> <a href="[[link.subscription]]">Unsubscribe</a></body></html>',
        },
      },
      admin,
    );
    await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
    await s.recipients.build(m.id, admin);
    return m.id;
  }

  async function drain(w: { tick(): Promise<number> }): Promise<void> {
    for (let k = 0; k < 10_000; k++) if ((await w.tick()) === 0) return;
  }

  it('send is refused with the failing steps while the wizard is incomplete', async () => {
    const m = await s.mailings.create({ name: 'Empty', channel: 'email' }, admin);
    await expect(s.sending.send(m.id, admin)).rejects.toMatchObject({ code: 'MAILING_INCOMPLETE' });
  });

  it('sends each of 5,000 recipients exactly one message over SMTP, with the merge values and the bulk-sender headers', async () => {
    const rx = await receiver();
    const workers = startWorkers(s, {
      secret,
      publicUrl: 'https://mail.posthorn.test',
      bounceDomain: 'bounce.posthorn.test',
      smtpUrl: rx.url,
      smtpPoolSize: 4,
      run: false,
    });
    try {
      const id = await readyMailing('News', allId);
      const started = await s.sending.send(id, admin);
      expect(started).toMatchObject({ state: 'sending', total });
      await drain(workers.worker);
      const progress = await s.sending.progress(id);
      expect(progress).toMatchObject({ state: 'finished', byState: { sent: total } });
      expect(rx.received).toHaveLength(total);
      const to = rx.received.map((r) => r.to[0]);
      expect(new Set(to).size).toBe(total);
      const ledger = await s.db
        .selectFrom('ledger')
        .select(['address', 'message_id', 'state'])
        .where('mailing_id', '=', id)
        .execute();
      const messageIds = new Map(ledger.map((l) => [l.address, l.message_id]));
      // every message carries its own recipient's merge values
      for (const r of rx.received) {
        const i = /^p(\d+)@/.exec(r.to[0] ?? '')?.[1];
        expect(r.raw.includes(`Subject: Hello First${i}\r\n`)).toBe(true);
      }
      for (const r of rx.received.slice(0, 40)) {
        const mail = await simpleParser(r.raw);
        const i = Number(/^p(\d+)@/.exec(r.to[0] ?? '')?.[1]);
        expect(mail.subject).toBe(`Hello First${i}`);
        expect(mail.text).toContain(`Dear First${i} Last${i}`);
        expect(mail.html).toContain(`Dear First${i} Last${i}`);
        expect(mail.messageId).toBe(messageIds.get(r.to[0] ?? ''));
        expect(r.from).toMatch(/^bounces\+[\w.-]+@bounce\.posthorn\.test$/);
        expect(String(r.raw)).toContain('\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
        expect(String(r.raw)).toMatch(
          /List-Unsubscribe:\s+<https:\/\/mail\.posthorn\.test\/t\/u\/[\w.-]+>,\s+<mailto:unsubscribe\+[\w.-]+@bounce\.posthorn\.test>/,
        );
        expect(mail.headers.get('feedback-id')).toMatch(new RegExp(`^${id}:`));
        expect(mail.html).toMatch(/href="https:\/\/mail\.posthorn\.test\/t\/c\/[\w.-]+\/1"/);
      }
      const summary = await s.recipients.summary(id);
      expect(summary.byStatus).toEqual({ sent: total });
    } finally {
      await workers.stop();
      await rx.close();
    }
  });

  it('DKIM: a sending domain gets a key and DNS records; messages verify with mailauth, and one changed body byte fails', async () => {
    const txt = new Map<string, string[][]>();
    const resolver = { resolveTxt: async (name: string) => txt.get(name) ?? [] };
    const domains = new SendingDomainsService(s.db, clock, s.access, resolver);
    const d = await domains.add({ domain: 'posthorn.test' }, admin);
    expect(d.records.map((r) => r.purpose)).toEqual(['dkim', 'spf', 'dmarc']);
    expect((await domains.check(d.id, admin)).check?.missing).toHaveLength(3);
    for (const r of d.records) txt.set(r.name, [[r.value]]);
    expect((await domains.check(d.id, admin)).check).toMatchObject({
      missing: [],
      dkim: { found: true, matches: true },
      dmarc: { policy: 'none' },
    });
    await expect(domains.add({ domain: 'posthorn.test' }, admin)).rejects.toMatchObject({
      code: 'SENDING_DOMAIN_EXISTS',
    });

    const rx = await receiver();
    const workers = startWorkers(s, {
      ...local,
      smtpUrl: rx.url,
      smtpPoolSize: 2,
    });
    try {
      const id = await readyMailing('Signed');
      await s.sending.send(id, admin);
      await drain(workers.worker);
      expect(rx.received).toHaveLength(n);
      const resolve = async (name: string, rr: string) => {
        const found = rr === 'TXT' ? txt.get(name) : undefined;
        if (!found) throw Object.assign(new Error(`no ${rr} for ${name}`), { code: 'ENOTFOUND' });
        return found;
      };
      const raw = rx.received[0]?.raw ?? Buffer.alloc(0);
      const ok = await dkimVerify(raw, { resolver: resolve });
      expect(ok.results[0]?.status.result).toBe('pass');
      const signed = String(ok.results[0]?.signingHeaders?.keys ?? '')
        .toLowerCase()
        .split(/:\s*/);
      expect(signed).toEqual(
        expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject']),
      );
      const text = raw.toString('latin1');
      const at = text.indexOf('Dear First');
      const tampered = Buffer.from(`${text.slice(0, at)}Deer${text.slice(at + 4)}`, 'latin1');
      const bad = await dkimVerify(tampered, { resolver: resolve });
      // mailauth reports a body-hash mismatch as "neutral: body hash did not verify"
      expect(bad.results[0]?.status.result).not.toBe('pass');
      expect(String(bad.results[0]?.status.comment)).toMatch(/body hash/i);
    } finally {
      await workers.stop();
      await rx.close();
      await domains.delete(d.id, admin);
    }
  });

  it('a test send goes to the given addresses in the test lane, marked, and changes no statistics', async () => {
    const rx = await receiver();
    const workers = startWorkers(s, {
      ...local,
      smtpUrl: rx.url,
      smtpPoolSize: 1,
    });
    try {
      const id = await readyMailing('Tested');
      const before = await s.recipients.summary(id);
      const r = await s.sending.testSend(id, { addresses: 'Kari@Example.com; ola@example.com' }, admin);
      expect(r.addresses).toEqual(['Kari@example.com', 'ola@example.com']);
      await drain(workers.worker);
      expect(rx.received.map((m) => m.to[0]).sort()).toEqual(['Kari@example.com', 'ola@example.com']);
      const mail = await simpleParser(rx.received[0]?.raw ?? Buffer.alloc(0));
      expect(mail.subject).toBe('[TEST] Hello First0');
      expect(mail.headers.get('x-posthorn-test')).toBe('yes');
      expect((await s.mailings.get(id)).state).toBe('draft');
      expect(await s.recipients.summary(id)).toEqual(before);
      await expect(s.sending.testSend(id, { addresses: 'not an address' }, admin)).rejects.toMatchObject({
        code: 'INVALID_EMAIL',
      });
    } finally {
      await workers.stop();
      await rx.close();
    }
  });

  it('a 550 ends as failed with the code kept; a 421 is retried later', async () => {
    let tempFailures = 0;
    const rx = await receiver((to) => {
      if (to === 'p1@example1.test') return { code: 550, message: 'no such user' };
      if (to === 'p2@example2.test' && tempFailures++ === 0) return { code: 421, message: 'try later' };
      return null;
    });
    const workers = startWorkers(s, {
      ...local,
      smtpUrl: rx.url,
      smtpPoolSize: 2,
      workerOptions: { retryBaseMs: 1000 },
      limits: { backoffBaseMs: 1000 },
    });
    try {
      const id = await readyMailing('Faults');
      await s.sending.send(id, admin);
      await drain(workers.worker);
      const rows = await s.db
        .selectFrom('ledger')
        .selectAll()
        .where('mailing_id', '=', id)
        .where('address', 'in', ['p1@example1.test', 'p2@example2.test'])
        .orderBy('address')
        .execute();
      expect(rows[0]).toMatchObject({ state: 'failed', last_code: '550' });
      expect(rows[1]).toMatchObject({ state: 'ready', last_code: '421', attempts: 1 });
      expect((await s.sending.progress(id)).state).toBe('sending');
      clock.advance(1500);
      await drain(workers.worker);
      expect((await s.sending.progress(id)).byState).toEqual({ sent: n - 1, failed: 1 });
      expect((await s.sending.progress(id)).state).toBe('finished');
    } finally {
      await workers.stop();
      await rx.close();
    }
  });

  it('a destination answering 421 backs off alone: the other domains are sent meanwhile', async () => {
    let slow = true;
    let slowAttempts = 0;
    const rx = await receiver((to) => {
      if (slow && to.endsWith('@example3.test')) {
        slowAttempts += 1;
        return { code: 421, message: 'too many connections, slow down' };
      }
      return null;
    });
    const workers = startWorkers(s, {
      ...local,
      smtpUrl: rx.url,
      smtpPoolSize: 2,
      workerOptions: { retryBaseMs: 10_000 },
      limits: { backoffBaseMs: 10_000 },
    });
    try {
      const id = await readyMailing('Throttled');
      await s.sending.send(id, admin);
      await drain(workers.worker);
      const slowRows = await s.db
        .selectFrom('ledger')
        .select(['state', 'attempts'])
        .where('mailing_id', '=', id)
        .where('address', 'like', '%@example3.test')
        .execute();
      const expected = slowRows.length;
      expect(expected).toBeGreaterThan(50);
      // the others went out; example3.test was tried only by the messages already in flight
      expect(rx.received).toHaveLength(n - expected);
      expect(slowAttempts).toBeLessThanOrEqual(4);
      expect(slowRows.every((r) => r.state === 'ready')).toBe(true);
      slow = false;
      clock.advance(10_001);
      await drain(workers.worker);
      expect((await s.sending.progress(id)).byState).toEqual({ sent: n });
    } finally {
      await workers.stop();
      await rx.close();
    }
  });

  it('a mailing pauses itself after N consecutive failures and says why', async () => {
    const rx = await receiver(() => ({ code: 550, message: 'relay access denied' }));
    const workers = startWorkers(s, {
      ...local,
      smtpUrl: rx.url,
      smtpPoolSize: 1,
      workerOptions: { batchSize: 10, pauseAfterFailures: 20 },
    });
    try {
      const id = await readyMailing('Denied');
      await s.sending.send(id, admin);
      await drain(workers.worker);
      const p = await s.sending.progress(id);
      expect(p.state).toBe('stopped');
      expect(p.pausedReason).toMatch(/^20 consecutive failures; the last: 550 .*relay access denied/);
      expect(p.byState.failed).toBe(20);
      expect(p.byState.ready).toBe(n - 20);
    } finally {
      await workers.stop();
      await rx.close();
    }
  });

  it('a worker that dies holding a batch: after its lease the rows are sent again with the same Message-ID', async () => {
    const rx = await receiver();
    const dead = startWorkers(s, {
      ...local,
      smtpUrl: rx.url,
      smtpPoolSize: 1,
      workerOptions: { batchSize: 10, leaseMs: 60_000 },
    });
    const alive = startWorkers(s, {
      ...local,
      smtpUrl: rx.url,
      smtpPoolSize: 2,
      workerOptions: { leaseMs: 60_000 },
    });
    try {
      const id = await readyMailing('Crash');
      await s.sending.send(id, admin);
      // the dead worker claims 10 rows and never records them
      const claimed = await (
        dead.worker as unknown as { claim(): Promise<Array<{ id: number; message_id: string }>> }
      ).claim();
      expect(claimed).toHaveLength(10);
      await drain(alive.worker);
      expect((await s.sending.progress(id)).byState).toMatchObject({ sent: n - 10, sending: 10 });
      clock.advance(61_000);
      await drain(alive.worker);
      expect((await s.sending.progress(id)).byState).toEqual({ sent: n });
      const resent = await s.db
        .selectFrom('ledger')
        .select(['id', 'message_id'])
        .where(
          'id',
          'in',
          claimed.map((c) => c.id),
        )
        .execute();
      expect(resent.map((r) => r.message_id).sort()).toEqual(claimed.map((c) => c.message_id).sort());
      expect(rx.received).toHaveLength(n);
    } finally {
      await dead.stop();
      await alive.stop();
      await rx.close();
    }
  });

  it('with expiredLeases = hold, the rows of a dead worker wait for review and are released by hand', async () => {
    await s.settings.update({ expiredLeases: 'hold' }, admin);
    const rx = await receiver();
    const dead = startWorkers(s, {
      ...local,
      smtpUrl: rx.url,
      smtpPoolSize: 1,
      workerOptions: { batchSize: 5, leaseMs: 1000 },
    });
    const alive = startWorkers(s, {
      ...local,
      smtpUrl: rx.url,
      smtpPoolSize: 2,
      workerOptions: { leaseMs: 1000 },
    });
    try {
      const id = await readyMailing('Held');
      await s.sending.send(id, admin);
      await (dead.worker as unknown as { claim(): Promise<unknown[]> }).claim();
      clock.advance(1001);
      await drain(alive.worker);
      expect(await s.sending.progress(id)).toMatchObject({
        state: 'sending',
        byState: { sent: n - 5, held: 5 },
      });
      expect(await s.sending.releaseHeld(id, admin)).toEqual({ released: 5 });
      await drain(alive.worker);
      expect(await s.sending.progress(id)).toMatchObject({ state: 'finished', byState: { sent: n } });
    } finally {
      await s.settings.update({ expiredLeases: 'resend' }, admin);
      await dead.stop();
      await alive.stop();
      await rx.close();
    }
  });

  describe('faults end in a clear state per mailing and lose no recipient', () => {
    /** One tick against a failing route: the mailing stops with the reason, every row is still ready, nobody failed. */
    async function expectPaused(smtpUrl: string, reason: RegExp, prepare?: (id: number) => Promise<void>) {
      const workers = startWorkers(s, {
        ...local,
        smtpUrl,
        smtpPoolSize: 1,
        workerOptions: { batchSize: 10, pauseAfterFailures: 5 },
      });
      try {
        const id = await readyMailing('Fault');
        await prepare?.(id);
        await s.sending.send(id, admin);
        await workers.worker.tick();
        const p = await s.sending.progress(id);
        expect(p.state).toBe('stopped');
        expect(p.pausedReason).toMatch(reason);
        expect(p.byState).toEqual({ ready: n });
        expect((await s.recipients.summary(id)).byStatus.failed ?? 0).toBe(0);
        await s.sending.cancel(id, admin);
      } finally {
        await workers.stop();
      }
    }

    it('relay down at start', async () => {
      // a port nobody listens on: taken from a closed listener
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as AddressInfo;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      await expectPaused(`smtp://127.0.0.1:${port}/?tls=none`, /ECONNREFUSED/);
    });

    it('TLS required but the relay offers none', async () => {
      const rx = await receiver();
      try {
        await expectPaused(rx.url.replace('tls=none', 'tls=required'), /ETLS .*command not recognized/);
      } finally {
        await rx.close();
      }
    });

    it('login refused by the relay (never counted as a bounce)', async () => {
      const server = new SMTPServer({
        disabledCommands: ['STARTTLS'],
        allowInsecureAuth: true,
        logger: false,
        onAuth(_auth, _session, cb) {
          cb(new Error('Invalid username or password'));
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.server.address() as AddressInfo).port;
      try {
        await expectPaused(
          `smtp://user:wrong@127.0.0.1:${port}/?tls=none`,
          /EAUTH .*Invalid username or password/,
        );
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
    });

    it('an attachment missing on disk', async () => {
      const rx = await receiver();
      try {
        await expectPaused(rx.url, /attachment "terms\.pdf" is missing on disk/, async (id) => {
          await s.mailings.addAttachment(id, 'terms.pdf', 'application/pdf', Buffer.from('%PDF-1.4'), admin);
          const [file] = await s.mailings.attachmentFiles(id);
          const { rmSync } = await import('node:fs');
          rmSync(file?.path ?? '');
        });
        expect(rx.received).toHaveLength(0);
      } finally {
        await rx.close();
      }
    });

    it('a DKIM key that does not parse', async () => {
      const rx = await receiver();
      let domain = await s.db
        .selectFrom('sending_domains')
        .selectAll()
        .where('domain', '=', 'posthorn.test')
        .executeTakeFirst();
      if (!domain) {
        await s.sendingDomains.add({ domain: 'posthorn.test' }, admin);
        domain = await s.db
          .selectFrom('sending_domains')
          .selectAll()
          .where('domain', '=', 'posthorn.test')
          .executeTakeFirstOrThrow();
      }
      try {
        await s.db
          .updateTable('sending_domains')
          .set({ private_key: '-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----' })
          .where('id', '=', domain.id)
          .execute();
        await expectPaused(rx.url, /the DKIM key of posthorn\.test does not parse/);
        expect(rx.received).toHaveLength(0);
      } finally {
        await s.db
          .updateTable('sending_domains')
          .set({ private_key: domain.private_key })
          .where('id', '=', domain.id)
          .execute();
        await rx.close();
      }
    });

    it('a relay dropping connections mid-session: every recipient is sent, repeats bounded by the drops', async () => {
      const rx = await receiver();
      const upstream = Number(new URL(rx.url).port);
      let drops = 0;
      // a proxy that cuts each connection after ~20 KB from the sender (mid-message)
      const proxy = createServer((client) => {
        const up = connect(upstream, '127.0.0.1');
        let bytes = 0;
        up.pipe(client);
        client.on('data', (d: Buffer) => {
          bytes += d.length;
          if (bytes > 20_000) {
            drops += 1;
            client.destroy();
            up.destroy();
          } else up.write(d);
        });
        client.on('close', () => up.destroy());
        client.on('error', () => up.destroy());
        up.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const port = (proxy.address() as AddressInfo).port;
      const workers = startWorkers(s, {
        ...local,
        smtpUrl: `smtp://127.0.0.1:${port}/?tls=none`,
        smtpPoolSize: 2,
        workerOptions: { pauseAfterFailures: 10_000 },
      });
      try {
        const id = await readyMailing('Dropping');
        await s.sending.send(id, admin);
        for (let k = 0; k < 50 && (await s.sending.progress(id)).state !== 'finished'; k++) {
          await drain(workers.worker);
          clock.advance(2 * 3_600_000);
        }
        expect((await s.sending.progress(id)).byState).toEqual({ sent: n });
        expect(drops).toBeGreaterThan(5);
        const to = rx.received.map((r) => r.to[0]);
        expect(new Set(to).size).toBe(n);
        expect(to.length - n).toBeLessThanOrEqual(drops);
      } finally {
        await workers.stop();
        await new Promise<void>((r) => proxy.close(() => r()));
        await rx.close();
      }
    });

    it('a slow relay (a second per reply) still gets every message once', async () => {
      const received: string[] = [];
      const server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onRcptTo(address, _session, cb) {
          setTimeout(() => cb(), 1000);
          void address;
        },
        onData(stream, session, cb) {
          stream.on('data', () => undefined);
          stream.on('end', () => {
            received.push(session.envelope.rcptTo[0]?.address ?? '');
            setTimeout(() => cb(), 1000);
          });
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.server.address() as AddressInfo).port;
      const few = await s.selections.create({ name: 'Few', kind: 'static' }, admin);
      const members = await s.db.selectFrom('persons').select('id').orderBy('id').limit(3).execute();
      await s.selections.addMembers(
        few.id,
        members.map((m) => m.id),
        admin,
      );
      const workers = startWorkers(s, {
        ...local,
        smtpUrl: `smtp://127.0.0.1:${port}/?tls=none`,
        smtpPoolSize: 3,
      });
      try {
        const id = await readyMailing('Slow', few.id);
        await s.sending.send(id, admin);
        await drain(workers.worker);
        expect((await s.sending.progress(id)).byState).toEqual({ sent: 3 });
        expect(new Set(received).size).toBe(3);
        expect(received).toHaveLength(3);
      } finally {
        await workers.stop();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });
  });

  it('a schedule without an offset is read in the user time zone, stored in UTC and shown back in that zone', async () => {
    const user = await s.access.createUser(
      {
        email: `tz-${engine}@posthorn.test`,
        name: 'Kari',
        password: 'long-enough-password-1',
        role: 'admin',
        timeZone: 'Europe/Oslo',
      },
      admin,
    );
    const kari = {
      kind: 'user' as const,
      label: 'user:kari',
      userId: user.id,
      apiKeyId: null,
      rights: admin.rights,
    };
    const id = await readyMailing('Zoned');
    const p = await s.sending.schedule(id, { at: '2030-06-15T09:00' }, kari);
    expect(p).toMatchObject({
      scheduledAt: '2030-06-15T07:00:00.000Z',
      scheduledAtLocal: '2030-06-15 09:00',
      timeZone: 'Europe/Oslo',
    });
    const row = await s.db
      .selectFrom('mailings')
      .select('scheduled_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(row.scheduled_at)).toBe(Date.parse('2030-06-15T07:00:00Z'));
    await s.sending.cancel(id, admin);
  });

  it('a schedule from an API key (no user) is read in the instance time zone setting', async () => {
    await s.settings.update({ timeZone: 'America/New_York' }, admin);
    try {
      const key = {
        kind: 'apiKey' as const,
        label: 'apiKey:crm',
        userId: null,
        apiKeyId: 1,
        rights: admin.rights,
      };
      const id = await readyMailing('Zoned by the instance');
      const p = await s.sending.schedule(id, { at: '2030-01-15T09:00' }, key);
      expect(p).toMatchObject({
        scheduledAt: '2030-01-15T14:00:00.000Z',
        scheduledAtLocal: '2030-01-15 09:00',
        timeZone: 'America/New_York',
      });
      await s.sending.cancel(id, admin);
      await expect(s.settings.update({ timeZone: 'Mars/Olympus' }, admin)).rejects.toThrow(/IANA time zone/);
    } finally {
      await s.settings.update({ timeZone: null }, admin);
    }
  });

  it('test sends take no round number: the send after two test sends is round 1; a finished round says when it ended', async () => {
    const rx = await receiver();
    const workers = startWorkers(s, { ...local, smtpUrl: rx.url, smtpPoolSize: 1 });
    try {
      const id = await readyMailing('Numbered');
      await s.sending.testSend(id, { addresses: 'a@example.test' }, admin);
      await s.sending.testSend(id, { addresses: 'b@example.test' }, admin);
      await s.sending.send(id, admin);
      await drain(workers.worker);
      const rounds = await s.db
        .selectFrom('send_rounds')
        .select(['kind', 'number'])
        .where('mailing_id', '=', id)
        .orderBy('id')
        .execute();
      expect(rounds).toEqual([
        { kind: 'test', number: -1 },
        { kind: 'test', number: -2 },
        { kind: 'bulk', number: 1 },
      ]);
      const done = await s.sending.progress(id);
      expect(done).toMatchObject({ state: 'finished', round: 1 });
      expect(done.finishedAt).toEqual(expect.any(Number));
      // the end stays where it was, however much later one looks
      clock.advance(3_600_000);
      expect((await s.sending.progress(id)).expectedEndAt).toBe(done.finishedAt);
    } finally {
      await workers.stop();
      await rx.close();
    }
  });

  it('e-mail accounts of the settings share the messages by weight; an account whose login fails rests and the others carry its messages', async () => {
    const a = await receiver();
    const b = await receiver();
    const refusing = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(_auth, _session, cb) {
        cb(new Error('Invalid username or password'));
      },
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const portOf = (url: string) => Number(new URL(url).port);
    const created: number[] = [];
    const account = async (name: string, port: number, weight: number, extra: Record<string, unknown> = {}) =>
      created.push(
        (
          await s.emailAccounts.create(
            { name, host: '127.0.0.1', port, tls: 'none', poolSize: 2, weight, ...extra },
            admin,
          )
        ).id,
      );
    try {
      await account('relay-a', portOf(a.url), 3);
      await account('relay-b', portOf(b.url), 1);

      let workers = startWorkers(s, { ...local, smtpPoolSize: 1 });
      const first = await readyMailing('Weighted');
      await s.sending.send(first, admin);
      await drain(workers.worker);
      await workers.stop();
      expect((await s.sending.progress(first)).byState).toEqual({ sent: n });
      expect(a.received.length + b.received.length).toBe(n);
      expect(new Set([...a.received, ...b.received].map((r) => r.to[0])).size).toBe(n);
      // weight 3 against 1: A carries clearly more (expected 375 of 500)
      expect(a.received.length).toBeGreaterThan(b.received.length * 1.8);

      for (const id of created) await s.emailAccounts.setActive(id, false, admin);
      await account('refusing', (refusing.server.address() as AddressInfo).port, 100, {
        username: 'news',
        password: 'top-secret',
      });
      const listed = await s.emailAccounts.list();
      expect(JSON.stringify(listed)).not.toContain('top-secret');
      expect(listed.find((x) => x.name === 'refusing')?.hasPassword).toBe(true);
      const stored = await s.db
        .selectFrom('email_accounts')
        .select('password_sealed')
        .where('name', '=', 'refusing')
        .executeTakeFirstOrThrow();
      expect(stored.password_sealed).not.toContain('top-secret');
      await s.emailAccounts.setActive(created[1] ?? 0, true, admin);
      const before = b.received.length;
      workers = startWorkers(s, { ...local, smtpPoolSize: 1 });
      const second = await readyMailing('Failover');
      await s.sending.send(second, admin);
      await drain(workers.worker);
      await workers.stop();
      expect((await s.sending.progress(second)).byState).toEqual({ sent: n });
      expect(b.received.length - before).toBe(n);
    } finally {
      for (const id of created) await s.emailAccounts.remove(id, admin);
      await a.close();
      await b.close();
      await new Promise<void>((r) => refusing.close(() => r()));
    }
  });

  it('From rule: our contact is the sender only on a validated sending domain (signed with its key); "only approved domains" refuses other From domains', async () => {
    const txt = new Map<string, string[][]>();
    const domains = new SendingDomainsService(s.db, clock, s.access, {
      resolveTxt: async (name: string) => txt.get(name) ?? [],
    });
    const good = await domains.add({ domain: 'sales.test' }, admin);
    for (const r of good.records) txt.set(r.name, [[r.value]]);
    await domains.check(good.id, admin);
    await domains.add({ domain: 'unchecked.test' }, admin);
    const ola = await s.access.createUser(
      {
        email: `ola-${engine}@sales.test`,
        name: 'Ola Selger',
        password: 'long-enough-password-1',
        role: 'marketer',
      },
      admin,
    );
    const per = await s.access.createUser(
      {
        email: `per-${engine}@unchecked.test`,
        name: 'Per Usjekket',
        password: 'long-enough-password-1',
        role: 'marketer',
      },
      admin,
    );
    const few = await s.selections.create({ name: 'Contacts', kind: 'static' }, admin);
    const people = await s.db.selectFrom('persons').select(['id', 'email']).orderBy('id').limit(3).execute();
    await s.selections.addMembers(
      few.id,
      people.map((p) => p.id),
      admin,
    );
    await s.db
      .updateTable('persons')
      .set({ our_contact_id: ola.id })
      .where('id', '=', people[0]?.id ?? 0)
      .execute();
    await s.db
      .updateTable('persons')
      .set({ our_contact_id: per.id })
      .where('id', '=', people[1]?.id ?? 0)
      .execute();
    const rx = await receiver();
    const workers = startWorkers(s, { ...local, smtpUrl: rx.url, smtpPoolSize: 1 });
    try {
      const id = await readyMailing('From our contact', few.id);
      await s.mailings.update(
        id,
        { setup: { from: { rule: 'ourContact', name: 'News', address: 'news@posthorn.test' } } },
        admin,
      );
      await s.sending.send(id, admin);
      await drain(workers.worker);
      const fromOf = async (email: string | null) => {
        const got = rx.received.find((r) => r.to[0] === email);
        return (await simpleParser(got?.raw ?? Buffer.alloc(0))).from?.value[0]?.address;
      };
      expect(await fromOf(people[0]?.email ?? null)).toBe(`ola-${engine}@sales.test`);
      expect(await fromOf(people[1]?.email ?? null)).toBe('news@posthorn.test');
      expect(await fromOf(people[2]?.email ?? null)).toBe('news@posthorn.test');
      const signed = rx.received.find((r) => r.to[0] === people[0]?.email);
      expect(signed?.raw.toString('utf8')).toMatch(/DKIM-Signature:[\s\S]*d=sales\.test/);

      await s.settings.update({ onlyApprovedDomains: true }, admin);
      const other = await readyMailing('Unapproved', few.id);
      await s.mailings.update(
        other,
        { setup: { from: { rule: 'always', name: 'X', address: 'x@elsewhere.test' } } },
        admin,
      );
      const setupStep = (await s.mailings.steps(other)).find((x) => x.step === 'setup');
      expect(setupStep?.errors).toContainEqual(
        expect.objectContaining({ field: 'setup.from.address', code: 'DOMAIN_NOT_APPROVED' }),
      );
      await expect(s.sending.send(other, admin)).rejects.toMatchObject({ code: 'MAILING_INCOMPLETE' });
      await expect(s.sending.testSend(other, { addresses: 'a@example.test' }, admin)).rejects.toMatchObject({
        code: 'MAILING_INCOMPLETE',
      });
      await s.mailings.update(
        other,
        { setup: { from: { rule: 'always', name: 'X', address: 'x@sales.test' } } },
        admin,
      );
      expect((await s.sending.send(other, admin)).state).toBe('sending');
      await s.sending.cancel(other, admin);
    } finally {
      await s.settings.update({ onlyApprovedDomains: false }, admin);
      await workers.stop();
      await rx.close();
    }
  });

  it('stop pauses, start resumes, cancel ends it; schedule stores UTC and the scheduler starts it when due', async () => {
    const id = await readyMailing('Lifecycle');
    const workers = startWorkers(s, {
      ...local,
      smtpPoolSize: 1,
      workerOptions: { batchSize: 50 },
    });
    try {
      await s.sending.send(id, admin);
      await workers.worker.tick();
      expect((await s.sending.stop(id, admin)).state).toBe('stopped');
      expect(await workers.worker.tick()).toBe(0);
      expect((await s.sending.start(id, admin)).state).toBe('sending');
      await workers.worker.tick();
      const cancelled = await s.sending.cancel(id, admin);
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.byState).toMatchObject({ sent: 100, cancelled: n - 100 });
      // the recipients say so too, in the list and in each person's history
      expect((await s.recipients.summary(id)).byStatus).toMatchObject({ sent: 100, cancelled: n - 100 });
      const unsent = await s.db
        .selectFrom('recipients')
        .select('person_id')
        .where('mailing_id', '=', id)
        .where('status', '=', 'cancelled')
        .executeTakeFirstOrThrow();
      const history = await s.followup.personHistory(Number(unsent.person_id));
      expect(history.find((h) => h.mailingId === id)).toMatchObject({
        status: 'cancelled',
        mailingState: 'cancelled',
      });
      await expect(s.sending.start(id, admin)).rejects.toMatchObject({ code: 'MAILING_TRANSITION_REFUSED' });
      // the dev outbox captured what was sent (no relay configured)
      expect(
        await s.db
          .selectFrom('outbox')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('mailing_id', '=', id)
          .executeTakeFirst(),
      ).toMatchObject({ n: 100 });

      const later = await readyMailing('Scheduled');
      const at = new Date(clock.now() + 3_600_000).toISOString().replace('Z', '+00:00');
      expect((await s.sending.schedule(later, { at }, admin)).state).toBe('scheduled');
      expect((await s.mailings.get(later)).scheduledAt).toBe(Date.parse(at));
      expect(await s.sending.startDue(admin)).toBe(0);
      clock.advance(3_600_001);
      if (engine === 'postgres')
        // one leader: while another session holds the scheduler's lock, this process starts nothing
        await s.db.connection().execute(async (other) => {
          await sql`select pg_advisory_lock(${SCHEDULER_LOCK}, hashtext(current_schema()))`.execute(other);
          expect(await s.sending.startDue(admin)).toBe(0);
          await sql`select pg_advisory_unlock(${SCHEDULER_LOCK}, hashtext(current_schema()))`.execute(other);
        });
      expect(await s.sending.startDue(admin)).toBe(1);
      expect((await s.sending.progress(later)).state).toBe('sending');
      await expect(
        s.sending.schedule(later, { at: new Date(clock.now() - 1000).toISOString() }, admin),
      ).rejects.toMatchObject({
        code: 'MAILING_TRANSITION_REFUSED',
      });
    } finally {
      await workers.stop();
    }
  });
});
