/**
 * Dynamic selection benchmark (issue: counting a dynamic selection with three criteria over
 * 1,000,000 persons ≤ 500 ms). Fills a fresh SQLite database (and PostgreSQL when
 * POSTHORN_BENCH_DATABASE_URL is set) with n persons, ~60% subscribed to a newsletter and ~75% with
 * e-marketing consent, then counts
 *   city in (Oslo, Bergen)  AND  subscription Newsletter active  AND  consent emarketing active
 * through SelectionsService.countCriteria (criteria tree → SQL), against a baseline in the same run:
 * the same count written by hand in SQL and run directly on the driver.
 * Usage: tsx bench/selection.bench.ts [persons]   (default 1,000,000)
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { ManualClock, systemActor } from '../src/core/index.js';
import type { Criterion } from '../src/crm/index.js';
import { buildServices } from '../src/services.js';
import { type DatabaseHandle, migrate, openDatabase } from '../src/storage/index.js';
import { fillPersons } from './fill.js';

const n = Number(process.argv[2] ?? 1_000_000);
const actor = systemActor('bench', ['editCrm', 'viewCrm', 'manageSettings']);

async function measure(
  label: string,
  handle: DatabaseHandle,
  baseline: () => Promise<number>,
): Promise<boolean> {
  const t0 = performance.now();
  const newsletter = await fillPersons(handle, n, actor);
  console.log(`${label}: filled ${n} persons in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (handle.capabilities.engine === 'postgres') await sql`analyze`.execute(handle.db);
  const services = buildServices(handle, {
    clock: new ManualClock(),
    defaultCountry: 'NO',
    sessionTtlMs: 1,
    importBatchSize: 1,
    importMaxBytes: 1,
  });
  const criteria: Criterion = {
    type: 'group',
    op: 'and',
    children: [
      { type: 'field', entity: 'person', field: 'city', op: 'in', value: ['Oslo', 'Bergen'] },
      { type: 'subscription', subscriptionTypeId: newsletter, active: true },
      { type: 'consent', purpose: 'emarketing', state: 'active' },
    ],
  };
  const time = async (fn: () => Promise<number>) => {
    await fn(); // warm the page cache once, then take the best of five
    let best = Number.POSITIVE_INFINITY;
    let count = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      count = await fn();
      best = Math.min(best, performance.now() - t);
    }
    return { best, count };
  };
  const ours = await time(() => services.selections.countCriteria(criteria, 'persons'));
  const base = await time(baseline);
  console.log(
    `${label}: posthorn count (criteria tree → SQL)  ${ours.best.toFixed(0)} ms  (${ours.count} members)  target ≤ 500 ms`,
  );
  console.log(
    `${label}: baseline (hand-written SQL, driver)  ${base.best.toFixed(0)} ms  (${base.count} members)`,
  );
  console.log(`${label}: ratio posthorn/baseline ${(ours.best / base.best).toFixed(2)}×`);
  if (ours.count !== base.count) throw new Error(`${label}: counts differ: ${ours.count} vs ${base.count}`);
  return ours.best <= 500;
}

const handSql = `select count(*) as n from persons p where lower(p.city) in ('oslo', 'bergen')
  and exists (select 1 from subscriptions s where s.person_id = p.id and s.status = 'active' and s.subscription_type_id = 1)
  and exists (select 1 from consents_current cc where cc.person_id = p.id and cc.purpose = 'emarketing' and cc.legal_basis <> 'withdrawn')`;

const out = join(import.meta.dirname, '.out');
mkdirSync(out, { recursive: true });
const file = join(out, 'selection.db');
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
const sqlite = openDatabase({ engine: 'sqlite', file });
await migrate(sqlite);
const Sqlite = (await import('better-sqlite3')).default;
const raw = new Sqlite(file, { readonly: true });
raw.pragma('cache_size = -65536');
let ok = await measure('sqlite', sqlite, async () => Number((raw.prepare(handSql).get() as { n: number }).n));
raw.close();
await sqlite.close();

const pgUrl = process.env.POSTHORN_BENCH_DATABASE_URL;
if (pgUrl) {
  const schema = `bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const handle = openDatabase({ engine: 'postgres', url: pgUrl, schema });
  await migrate(handle);
  const client = new pg.Client({ connectionString: pgUrl, options: `-c search_path=${schema}` });
  await client.connect();
  ok = (await measure('postgres', handle, async () => Number((await client.query(handSql)).rows[0].n))) && ok;
  await client.end();
  await handle.close();
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
}
console.log(ok ? 'PASS' : 'FAIL');
