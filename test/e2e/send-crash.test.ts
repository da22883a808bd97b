/**
 * The crash test (issue "Sending"): a 20,000-recipient mailing sent by real worker processes
 * (`posthorn worker`) that are killed with SIGKILL three times at random moments and restarted.
 * At the end every recipient has received the mailing; nobody received it twice except rows that
 * were in flight at a kill (bounded by the batch size per kill, same Message-ID); and the ledger
 * agrees with what the SMTP receiver logged. On PostgreSQL three workers run at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { engines, type TestDatabase } from '../helpers/databases.js';
import { insertPersons } from '../helpers/persons.js';
import { admin, openTestServices } from '../helpers/services.js';

const total = 20_000;
const batchSize = 100;
const root = join(import.meta.dirname, '..', '..');

describe.each(engines)('crash safety on %s', (engine) => {
  let s: Services;
  let database: TestDatabase;
  const received: Array<{ to: string; messageId: string }> = [];
  let smtp: SMTPServer;
  let smtpUrl: string;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    database = t.database;
    await s.settings.update({ privacyFilter: false }, admin);
    await insertPersons(
      s.db,
      total,
      (i) => `r${i}@crash${i % 5}.test`,
      (i) => [`F${i}`, `L${i}`],
    );
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const head = Buffer.concat(chunks).toString('latin1', 0, 4096);
          const messageId = /\r\nMessage-ID: (<[^>]+>)/i.exec(`\r\n${head}`)?.[1] ?? '';
          for (const r of session.envelope.rcptTo) received.push({ to: r.address, messageId });
          cb();
        });
      },
    });
    // a killed worker resets its connections: expected here, not an error of the test
    smtp.on('error', () => undefined);
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}/?tls=none`;
  }, 120_000);

  afterAll(async () => {
    rmSync(join(root, 'bench', '.out', `crash-${process.pid}`), { recursive: true, force: true });
    await new Promise<void>((r) => smtp.close(() => r()));
    await database.dispose();
  });

  function databaseUrl(): string {
    const target = database.target;
    if (target.engine === 'sqlite') return target.file;
    const u = new URL(target.url);
    u.searchParams.set('options', `-c search_path=${target.schema}`);
    return u.toString();
  }

  function startWorker(): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'main.ts'), 'worker'], {
      cwd: root,
      stdio: 'ignore',
      env: {
        ...process.env,
        POSTHORN_DATABASE_URL: databaseUrl(),
        POSTHORN_DATA_DIR: join(root, 'bench', '.out', `crash-${process.pid}`),
        POSTHORN_SECRET: 'crash-test-secret-long-enough-0123456789abcdef',
        POSTHORN_SMTP_URL: smtpUrl,
        POSTHORN_SMTP_POOL_SIZE: '4',
        POSTHORN_SEND_BATCH_SIZE: String(batchSize),
        POSTHORN_SEND_LEASE_SECONDS: '2',
        POSTHORN_LOG_LEVEL: 'silent',
      },
    });
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const exited = (p: ChildProcess) =>
    new Promise<void>((r) =>
      p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r()),
    );

  it('every recipient gets the mailing exactly once, except rows in flight at a kill; the ledger agrees with the receiver', async () => {
    const sel = await s.selections.create({ name: 'Crash', kind: 'static' }, admin);
    const ids = (await s.db.selectFrom('persons').select('id').execute()).map((r) => r.id);
    for (let i = 0; i < ids.length; i += 5000)
      await s.selections.addMembers(sel.id, ids.slice(i, i + 5000), admin);
    const m = await s.mailings.create({ name: 'Crash', channel: 'email' }, admin);
    await s.mailings.update(
      m.id,
      {
        selectionId: sel.id,
        setup: { subject: 'Hi [[customer.firstname]]', from: { name: 'C', address: 'c@posthorn.test' } },
        content: { format: 'html', source: '<p>Dear [[customer.firstname]]</p>' },
      },
      admin,
    );
    await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
    await s.recipients.build(m.id, admin);
    await s.sending.send(m.id, admin);

    const parallel = engine === 'postgres' ? 3 : 1;
    let workers = Array.from({ length: parallel }, startWorker);
    const sentAt = async () => Number((await s.sending.progress(m.id)).byState.sent ?? 0);
    // three kills at random moments while sending
    for (let kill = 0; kill < 3; kill++) {
      const target = Math.floor(((kill + 1) / 4) * total * (0.8 + Math.random() * 0.3));
      for (let k = 0; k < 600 && (await sentAt()) < target; k++) await sleep(100);
      await sleep(Math.floor(Math.random() * 200));
      for (const w of workers) w.kill('SIGKILL');
      await Promise.all(workers.map(exited));
      workers = Array.from({ length: parallel }, startWorker);
    }
    for (let k = 0; k < 1200 && (await s.sending.progress(m.id)).state !== 'finished'; k++) await sleep(100);
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map(exited));

    const progress = await s.sending.progress(m.id);
    expect(progress.state).toBe('finished');
    expect(progress.byState).toEqual({ sent: total });
    const ledger = await s.db
      .selectFrom('ledger')
      .select(['address', 'message_id'])
      .where('mailing_id', '=', m.id)
      .execute();
    const ledgerIds = new Map(ledger.map((l) => [l.address, l.message_id]));
    const counts = new Map<string, number>();
    for (const r of received) {
      counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
      // a resend carries the ledger row's Message-ID, never a new one
      expect(r.messageId).toBe(ledgerIds.get(r.to));
    }
    expect(counts.size).toBe(total);
    expect([...counts.keys()].every((a) => ledgerIds.has(a))).toBe(true);
    const duplicates = [...counts.values()].filter((c) => c > 1).length;
    console.log(
      `${engine}: ${received.length} messages for ${total} recipients; ${duplicates} received twice (in flight at the 3 kills)`,
    );
    expect(duplicates).toBeLessThanOrEqual(3 * parallel * batchSize);
  }, 300_000);
});
