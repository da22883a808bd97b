import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import smpp, { type Pdu, type Session } from 'smpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { insertPersons } from '../../test/helpers/persons.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import { startWorkers } from '../app.js';
import { countSms } from '../channels/sms/encoding.js';
import type { ManualClock } from '../core/index.js';
import type { Services } from '../services.js';
import { ReceiptBook } from './sms-receipts.js';

interface Submitted {
  to: string;
  from: string;
  dataCoding: number;
  esmClass: number;
  udh: Buffer | null;
  message: string;
  id: string;
}

/**
 * A real SMPP 3.4 server (the npm `smpp` package in server mode) on 127.0.0.1. `mode` decides
 * its behaviour: refuse binds, throttle the first submits, answer nothing, and which numbers get
 * an UNDELIV receipt instead of DELIVRD.
 */
async function smsc(
  mode: {
    password?: string;
    throttleFirst?: number;
    silent?: boolean;
    undeliverable?: Set<string>;
    /** Drop the connection after this many accepted submits (once). */
    dropAfter?: number;
  } = {},
) {
  const submitted: Submitted[] = [];
  let binds = 0;
  let dropped = false;
  let throttled = 0;
  let next = 1;
  const sessions: Session[] = [];
  const server = smpp.createServer((session) => {
    sessions.push(session);
    session.on('error', () => undefined);
    session.on('bind_transceiver', (pdu: Pdu) => {
      if (pdu.password !== (mode.password ?? 'secret')) {
        session.send(pdu.response({ command_status: 0x0e }));
        return;
      }
      binds += 1;
      session.send(pdu.response());
    });
    session.on('enquire_link', (pdu: Pdu) => session.send(pdu.response()));
    session.on('unbind', (pdu: Pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('submit_sm', (pdu: Pdu) => {
      if (mode.silent) return;
      if (throttled < (mode.throttleFirst ?? 0)) {
        throttled += 1;
        session.send(pdu.response({ command_status: 0x58 }));
        return;
      }
      const id = `m${next++}`;
      const sm = pdu.short_message as { udh?: Buffer[]; message: string | Buffer };
      submitted.push({
        to: String(pdu.destination_addr),
        from: String(pdu.source_addr),
        dataCoding: Number(pdu.data_coding),
        esmClass: Number(pdu.esm_class),
        udh: sm.udh?.[0] ?? null,
        message: typeof sm.message === 'string' ? sm.message : sm.message.toString('latin1'),
        id,
      });
      session.send(pdu.response({ message_id: id }));
      if (mode.dropAfter !== undefined && !dropped && submitted.length >= mode.dropAfter) {
        dropped = true;
        session.destroy();
        return;
      }
      if (Number(pdu.registered_delivery) & 1) {
        const stat = mode.undeliverable?.has(String(pdu.destination_addr)) ? 'UNDELIV' : 'DELIVRD';
        setTimeout(() => {
          session.deliver_sm({
            source_addr: String(pdu.destination_addr),
            destination_addr: String(pdu.source_addr),
            esm_class: 0x04,
            short_message: `id:${id} sub:001 dlvrd:001 submit date:2611261200 done date:2611261201 stat:${stat} err:000 text:`,
          });
        }, 5);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    submitted,
    binds: () => binds,
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const local = {
  secret: 'x'.repeat(40),
  publicUrl: 'https://m.test',
  bounceDomain: 'b.test',
  run: false,
} as const;
const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));

describe.each(engines)('SMS sending on %s', (engine) => {
  let s: Services;
  let clock: ManualClock;
  let dispose: () => Promise<void>;
  let selectionId: number;
  const n = 40;
  const mobile = (i: number) => `+4791${String(i).padStart(6, '0')}`;

  beforeAll(async () => {
    // the HTTP gateway test's server listens on loopback, which outbound calls may not reach unlisted
    const t = await openTestServices(engine, { allowPrivateUrls: ['127.0.0.1'] });
    s = t.services;
    clock = t.clock;
    dispose = t.database.dispose;
    await s.settings.update({ privacyFilter: false }, admin);
    const ids = await insertPersons(
      s.db,
      n,
      (i) => `s${i}@example.test`,
      (i) => [`Kari${i}`, `Nordmann${i}`],
      (i) => ({ mobile: mobile(i) }),
    );
    const sel = await s.selections.create({ name: 'Mobiles', kind: 'static' }, admin);
    selectionId = sel.id;
    await s.selections.addMembers(sel.id, ids, admin);
  });
  afterAll(async () => dispose());

  async function smsMailing(text: string, sender = 'Posthorn'): Promise<number> {
    const m = await s.mailings.create({ name: 'Reminder', channel: 'sms' }, admin);
    await s.mailings.update(m.id, { selectionId, setup: { sender }, content: { text } }, admin);
    await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
    await s.recipients.build(m.id, admin);
    return m.id;
  }

  async function gateway(port: number, extra: Record<string, unknown> = {}): Promise<number> {
    for (const g of await s.smsGateways.list()) await s.smsGateways.remove(g.id, admin);
    return (
      await s.smsGateways.create(
        {
          kind: 'smpp',
          name: `smsc-${port}`,
          host: '127.0.0.1',
          port,
          systemId: 'posthorn',
          password: 'secret',
          responseTimeoutSeconds: 1,
          ...extra,
        } as never,
        admin,
      )
    ).id;
  }

  async function drain(w: { tick(): Promise<number> }): Promise<void> {
    for (let k = 0; k < 1000; k++) if ((await w.tick()) === 0) return;
  }

  it('sends every recipient one SMS over SMPP with its merge values; receipts make them delivered, an UNDELIV one failed', async () => {
    const server = await smsc({ undeliverable: new Set([mobile(3).slice(1)]) });
    await gateway(server.port);
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1 });
    try {
      const id = await smsMailing('Hi [[customer.firstname]], your appointment is tomorrow.');
      await s.sending.send(id, admin);
      await drain(workers.worker);
      expect(server.submitted).toHaveLength(n);
      const byTo = new Map(server.submitted.map((m) => [m.to, m]));
      for (let i = 0; i < n; i++) {
        const m = byTo.get(mobile(i).slice(1));
        expect(m?.message).toBe(`Hi Kari${i}, your appointment is tomorrow.`);
        expect(m?.from).toBe('Posthorn');
        expect(m?.dataCoding).toBe(0);
        expect(m?.udh).toBeNull();
      }
      expect((await s.mailings.get(id)).state).toBe('finished');
      await settle(100);
      await workers.receipts.flush();
      const summary = await s.recipients.summary(id);
      expect(summary.byStatus).toMatchObject({ delivered: n - 1, failed: 1 });
      const failed = await s.recipients.list(id, { status: 'failed', limit: 50, offset: 0 } as never);
      expect(failed.items.map((r) => r.address)).toEqual([mobile(3)]);
      expect(failed.items[0]?.reason).toBe('undelivered');
    } finally {
      await workers.stop();
      await server.close();
    }
  });

  it('a long UCS-2 message goes in parts with UDH concatenation and data_coding 8, and reads back whole', async () => {
    const server = await smsc();
    await gateway(server.port);
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1 });
    try {
      const text = `Hei [[customer.firstname]] 😀 ${'Ωμέγα '.repeat(30)}`;
      const id = await smsMailing(text);
      await s.sending.send(id, admin);
      await drain(workers.worker);
      const merged = `Hei Kari0 😀 ${'Ωμέγα '.repeat(30)}`;
      const parts = server.submitted.filter((m) => m.to === mobile(0).slice(1));
      expect(parts).toHaveLength(countSms(merged).parts);
      expect(parts.length).toBeGreaterThan(2);
      const ref = parts[0]?.udh?.[2];
      parts.forEach((p, k) => {
        expect(p.dataCoding).toBe(8);
        expect(p.esmClass & 0x40).toBe(0x40);
        // the server hands over the information element: IEI 0 (concatenation, 8-bit reference), length 3
        expect([...(p.udh ?? [])]).toEqual([0x00, 0x03, ref, parts.length, k + 1]);
      });
      expect(parts.map((p) => p.message).join('')).toBe(merged);
    } finally {
      await workers.stop();
      await server.close();
    }
  });

  it('a refused bind keeps every recipient ready with the reason, and the mailing stops itself after repeated failures', async () => {
    const server = await smsc({ password: 'other' });
    await gateway(server.port);
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1, workerOptions: { pauseAfterFailures: 5 } });
    try {
      const id = await smsMailing('Hello');
      await s.sending.send(id, admin);
      await workers.worker.tick();
      const p = await s.sending.progress(id);
      expect(p.state).toBe('stopped');
      expect(p.pausedReason).toMatch(/SMPP_BIND_FAILED bind refused: ESME_RINVPASWD/);
      expect(p.byState).toEqual({ ready: n });
      // the tried rows keep the reason; the rest waited for the gateway's back-off
      const codes = await s.db
        .selectFrom('ledger')
        .select('last_code')
        .where('mailing_id', '=', id)
        .execute();
      expect(new Set(codes.map((c) => c.last_code).filter((c) => c !== null))).toEqual(
        new Set(['SMPP_BIND_FAILED']),
      );
      expect(server.submitted).toHaveLength(0);
    } finally {
      await workers.stop();
      await server.close();
    }
  });

  it('a throttling answer retries that SMS later and backs the gateway off; nothing is lost', async () => {
    const server = await smsc({ throttleFirst: 1 });
    await gateway(server.port, { window: 1 });
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1, smsConcurrency: 1 });
    try {
      const id = await smsMailing('Throttled hello');
      await s.sending.send(id, admin);
      await workers.worker.tick();
      const rows = await s.db.selectFrom('ledger').selectAll().where('mailing_id', '=', id).execute();
      const throttledRows = rows.filter((r) => r.last_code === 'SMPP_RTHROTTLED');
      expect(throttledRows).toHaveLength(1);
      expect(throttledRows[0]?.state).toBe('ready');
      // the rest waited for the gateway's back-off instead of hammering it
      expect(rows.filter((r) => r.state === 'sent')).toHaveLength(0);
      clock.advance(2 * 3_600_000);
      await drain(workers.worker);
      expect((await s.sending.progress(id)).byState).toEqual({ sent: n });
      expect(server.submitted).toHaveLength(n);
    } finally {
      await workers.stop();
      await server.close();
    }
  });

  it('a dropped SMPP connection is bound again; what was in flight is retried and everyone gets the SMS', async () => {
    const server = await smsc({ dropAfter: 10 });
    await gateway(server.port, { window: 1 });
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1, smsConcurrency: 1 });
    try {
      const id = await smsMailing('Reconnect hello');
      await s.sending.send(id, admin);
      for (let k = 0; k < 20 && (await s.sending.progress(id)).state !== 'finished'; k++) {
        await drain(workers.worker);
        clock.advance(2 * 3_600_000);
      }
      expect((await s.sending.progress(id)).byState).toEqual({ sent: n });
      expect(server.binds()).toBeGreaterThanOrEqual(2);
      // the submit answered just before the drop may arrive twice; nobody is missing
      const to = new Set(server.submitted.map((m) => m.to));
      expect(to.size).toBe(n);
      expect(server.submitted.length - n).toBeLessThanOrEqual(1);
    } finally {
      await workers.stop();
      await server.close();
    }
  });

  it('the gateway list is read again each minute, but an unchanged gateway keeps its bind', async () => {
    const server = await smsc();
    await gateway(server.port);
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1 });
    try {
      const first = await smsMailing('One');
      await s.sending.send(first, admin);
      await drain(workers.worker);
      clock.advance(5 * 60_000);
      const second = await smsMailing('Two');
      await s.sending.send(second, admin);
      await drain(workers.worker);
      expect(server.submitted).toHaveLength(2 * n);
      expect(server.binds()).toBe(1);
    } finally {
      await workers.stop();
      await server.close();
    }
  });

  it('a gateway that never answers: the SMS fail as retryable after the response timeout, the rows stay ready', async () => {
    const server = await smsc({ silent: true });
    await gateway(server.port, { window: 5 });
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1, workerOptions: { batchSize: 5 } });
    try {
      const id = await smsMailing('Nobody listens');
      await s.sending.send(id, admin);
      const started = Date.now();
      await workers.worker.tick();
      expect(Date.now() - started).toBeLessThan(5000);
      const rows = await s.db.selectFrom('ledger').selectAll().where('mailing_id', '=', id).execute();
      expect(rows.filter((r) => r.state === 'ready')).toHaveLength(n);
      expect(rows.filter((r) => r.last_code === 'SMPP_TIMEOUT').length).toBeGreaterThan(0);
      await s.sending.cancel(id, admin);
    } finally {
      await workers.stop();
      await server.close();
    }
  });

  it('an HTTP gateway gets a JSON body with the placeholders filled and the auth header; 2xx is sent with its id, 400 fails, 503 retries; its delivery reports update the recipients', async () => {
    const requests: Array<{ auth: string | undefined; body: Record<string, string> }> = [];
    const http = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => {
        const body = JSON.parse(data) as Record<string, string>;
        requests.push({ auth: req.headers.authorization, body });
        if (body.number === mobile(1).slice(1)) {
          res.writeHead(400).end('invalid number');
        } else if (body.number === mobile(2).slice(1)) {
          res.writeHead(503).end('busy');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ messages: [{ id: `h-${body.number}` }] }));
        }
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    for (const g of await s.smsGateways.list()) await s.smsGateways.remove(g.id, admin);
    await s.smsGateways.create(
      {
        kind: 'http',
        name: 'rest',
        url: `http://127.0.0.1:${port}/send`,
        fields: { number: '{{toDigits}}', sender: '{{from}}', message: '{{text}}', ref: '{{reference}}' },
        headers: { Authorization: 'Bearer sms-key' },
        idPath: 'messages.0.id',
        receipts: {
          idPath: 'msgId',
          statusPath: 'status',
          delivered: ['DELIVERED'],
          failed: ['UNDELIVERABLE'],
        },
      },
      admin,
    );
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1 });
    try {
      const id = await smsMailing('Hello "[[customer.firstname]]" & co');
      await s.sending.send(id, admin);
      // a 503 backs the gateway off: what was not tried yet waits; later everything but the two is sent
      // (each retry of the 503 backs the gateway off again, so this takes a few rounds)
      for (let k = 0; k < 20; k++) {
        await workers.worker.tick();
        clock.advance(2 * 3_600_000);
      }
      const first = requests.find((r) => r.body.number === mobile(0).slice(1));
      expect(first).toMatchObject({
        auth: 'Bearer sms-key',
        body: { sender: 'Posthorn', message: 'Hello "Kari0" & co' },
      });
      const rows = await s.db.selectFrom('ledger').selectAll().where('mailing_id', '=', id).execute();
      const at = (i: number) => rows.find((r) => r.address === mobile(i));
      expect(at(0)?.state).toBe('sent');
      expect(at(1)).toMatchObject({ state: 'failed', last_code: 'HTTP_400' });
      expect(at(2)).toMatchObject({ last_code: 'HTTP_503' });
      expect(['ready', 'failed']).toContain(at(2)?.state);
      expect(rows.filter((r) => r.state === 'sent')).toHaveLength(n - 2);
      for (let i = 3; i < n; i++)
        expect(requests.filter((r) => r.body.number === mobile(i).slice(1))).toHaveLength(1);
      const part = await s.db
        .selectFrom('sms_parts')
        .selectAll()
        .where('ledger_id', '=', at(0)?.id ?? 0)
        .executeTakeFirst();
      expect(part?.provider_id).toBe(`h-${mobile(0).slice(1)}`);
      // the gateway's delivery reports, posted to the signed receipt path of its settings
      const [view] = await s.smsGateways.list();
      const token = view?.receiptPath?.split('/').pop() ?? '';
      const reports = await s.smsGateways.receiptsFrom(token, [
        { msgId: `h-${mobile(0).slice(1)}`, status: 'DELIVERED' },
        { msgId: `h-${mobile(4).slice(1)}`, status: 'UNDELIVERABLE' },
        { msgId: `h-${mobile(5).slice(1)}`, status: 'ACCEPTED' },
      ]);
      expect(reports.map((r) => r.state)).toEqual(['delivered', 'failed']);
      const book = new ReceiptBook(s.db, clock, 0);
      for (const r of reports) book.add(r);
      await book.flush();
      const statusOf = async (i: number) =>
        await s.db
          .selectFrom('recipients')
          .select(['status', 'reason'])
          .where('mailing_id', '=', id)
          .where('address', '=', mobile(i))
          .executeTakeFirst();
      expect(await statusOf(0)).toEqual({ status: 'delivered', reason: null });
      expect(await statusOf(4)).toEqual({ status: 'failed', reason: 'undelivered' });
      expect(await statusOf(5)).toEqual({ status: 'sent', reason: null });
      await expect(s.smsGateways.receiptsFrom(`${token}x`, {})).rejects.toMatchObject({
        code: 'SMS_GATEWAY_NOT_FOUND',
      });
      await s.sending.cancel(id, admin);
    } finally {
      await workers.stop();
      await new Promise<void>((r) => http.close(() => r()));
    }
  });

  it('gateway settings are sealed in the database and never returned', async () => {
    for (const g of await s.smsGateways.list()) await s.smsGateways.remove(g.id, admin);
    await gateway(2775, { password: 'hunter2' });
    const [view] = await s.smsGateways.list();
    expect(JSON.stringify(view)).not.toContain('hunter2');
    const row = await s.db.selectFrom('sms_gateways').selectAll().executeTakeFirstOrThrow();
    expect(row.config_sealed).not.toContain('hunter2');
    await expect(
      s.smsGateways.create({ kind: 'http', name: 'bad', url: 'ftp://x', fields: {} } as never, admin),
    ).rejects.toThrow();
  });

  it('a test send goes to numbers through the channel (the dev outbox without a gateway), marked as test', async () => {
    for (const g of await s.smsGateways.list()) await s.smsGateways.remove(g.id, admin);
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1 });
    try {
      const id = await smsMailing('Test for [[customer.firstname]]');
      await expect(s.sending.testSend(id, { addresses: 'not a number' }, admin)).rejects.toMatchObject({
        code: 'INVALID_MOBILE',
      });
      await s.sending.testSend(id, { addresses: '912 34 567; +46701234567' }, admin);
      await drain(workers.worker);
      const out = await s.db
        .selectFrom('outbox')
        .selectAll()
        .where('mailing_id', '=', id)
        .orderBy('id')
        .execute();
      // both go at once: compare them in number order
      out.sort((x, y) => x.address.localeCompare(y.address));
      expect(out.map((o) => [o.channel, o.address, o.test])).toEqual([
        ['sms', '+46701234567', 1],
        ['sms', '+4791234567', 1],
      ]);
      expect(out.map((o) => o.message)).toEqual(['Test for Kari0', 'Test for Kari0']);
      expect((await s.mailings.get(id)).state).toBe('draft');
    } finally {
      await workers.stop();
    }
  });
});
