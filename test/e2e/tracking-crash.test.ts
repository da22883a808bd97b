/**
 * An acknowledged event is never lost (issue "Tracking, bounces and follow-up"): a real
 * `posthorn serve` process takes open requests from 20 concurrent clients and is killed with
 * SIGKILL in the middle. Every request that got its answer has its event stored; the counters
 * agree with the stored events (they were written in the same transactions).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../../src/core/index.js';
import type { Services } from '../../src/services.js';
import { engines, type TestDatabase } from '../helpers/databases.js';
import { insertPersons } from '../helpers/persons.js';
import { freePort } from '../helpers/ports.js';
import { admin, openTestServices } from '../helpers/services.js';

const root = join(import.meta.dirname, '..', '..');
const secret = 'tracking-crash-secret-long-enough-0123456789';
const recipients = 200;

describe.each(engines)('tracking crash safety on %s', (engine) => {
  let s: Services;
  let database: TestDatabase;
  const dataDir = join(root, 'bench', '.out', `tracking-crash-${process.pid}`);

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    database = t.database;
  }, 120_000);
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await database.dispose();
  });

  function databaseUrl(): string {
    const target = database.target;
    if (target.engine === 'sqlite') return target.file;
    const u = new URL(target.url);
    u.searchParams.set('options', `-c search_path=${target.schema}`);
    return u.toString();
  }

  it('every acknowledged open is stored after a SIGKILL, and the counters agree with the events', async () => {
    await s.settings.update({ privacyFilter: false }, admin);
    const ids = await insertPersons(s.db, recipients, (i) => `c${i}@crash.test`);
    const sel = await s.selections.create({ name: 'Crash', kind: 'static' }, admin);
    await s.selections.addMembers(sel.id, ids, admin);
    const m = await s.mailings.create({ name: 'Crash', channel: 'email' }, admin);
    await s.mailings.update(
      m.id,
      {
        selectionId: sel.id,
        setup: { subject: 'Hi', from: { name: 'C', address: 'c@posthorn.test' }, tracking: { opens: true } },
        content: { format: 'html', source: '<p>Hi</p>' },
      },
      admin,
    );
    await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
    await s.recipients.build(m.id, admin);
    await sql`update recipients set status = 'sent', sent_at = 0 where mailing_id = ${m.id}`.execute(s.db);
    const rows = await s.db
      .selectFrom('recipients')
      .select('id')
      .where('mailing_id', '=', m.id)
      .orderBy('id')
      .execute();
    const signer = new TokenSigner(secret);
    const urls = rows.map((r) => `/t/c/${signer.sign('r', `${m.id}.${r.id}`)}/0`);

    const port = await freePort();
    const server: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'src', 'main.ts'), 'serve'],
      {
        cwd: root,
        stdio: 'ignore',
        env: {
          ...process.env,
          POSTHORN_DATABASE_URL: databaseUrl(),
          POSTHORN_DATA_DIR: dataDir,
          POSTHORN_SECRET: secret,
          POSTHORN_HOST: '127.0.0.1',
          POSTHORN_PORT: String(port),
          POSTHORN_LOG_LEVEL: 'silent',
        },
      },
    );
    const base = `http://127.0.0.1:${port}`;
    for (let k = 0; k < 300; k++) {
      const up = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const acknowledged = new Map<number, number>();
    let stop = false;
    let failed = 0;
    const client = async (c: number) => {
      for (let k = c; !stop; k += 20) {
        const i = k % urls.length;
        try {
          const r = await fetch(`${base}${urls[i]}`, {
            headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux) Firefox/120' },
          });
          await r.arrayBuffer();
          if (r.status === 200) acknowledged.set(i, (acknowledged.get(i) ?? 0) + 1);
        } catch {
          failed += 1;
          return;
        }
      }
    };
    const clients = Array.from({ length: 20 }, (_, c) => client(c));
    // kill once enough answers came back (the events keep flowing at that moment)
    for (let k = 0; k < 600; k++) {
      let n = 0;
      for (const v of acknowledged.values()) n += v;
      if (n >= 1500) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    server.kill('SIGKILL');
    await new Promise((r) =>
      server.exitCode !== null || server.signalCode !== null ? r(null) : server.once('exit', r),
    );
    stop = true;
    await Promise.all(clients);

    let total = 0;
    for (const v of acknowledged.values()) total += v;
    expect(total).toBeGreaterThanOrEqual(1500);
    expect(failed).toBeGreaterThan(0);
    const stored = await s.db
      .selectFrom('tracking_events')
      .select(['recipient_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('mailing_id', '=', m.id)
      .groupBy('recipient_id')
      .execute();
    const byRecipient = new Map(stored.map((r) => [r.recipient_id, Number(r.n)]));
    for (const [i, n] of acknowledged)
      expect(byRecipient.get(rows[i]?.id as number) ?? 0).toBeGreaterThanOrEqual(n);
    // the counters were written with the events: they agree exactly
    const events = stored.reduce((a, r) => a + Number(r.n), 0);
    const stats = await s.db
      .selectFrom('mailing_stats')
      .selectAll()
      .where('mailing_id', '=', m.id)
      .executeTakeFirstOrThrow();
    expect(stats.opens + stats.machine_opens).toBe(events);
    const perRecipient = await s.db
      .selectFrom('recipients')
      .select((eb) => eb.fn.sum<number>('opens').as('n'))
      .where('mailing_id', '=', m.id)
      .executeTakeFirstOrThrow();
    expect(Number(perRecipient.n)).toBe(stats.opens);
  }, 120_000);
});
