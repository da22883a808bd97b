/**
 * Recipient list benchmark (issue: building the recipient list of an e-mail mailing from a
 * selection of 1,000,000 persons with the privacy filter on ≤ 10 s on SQLite; the summary counts
 * afterwards ≤ 100 ms).
 *
 * A fresh SQLite file gets n persons (~60% subscribed to Newsletter, ~75% with e-marketing
 * consent), 1% of their addresses on the blocked list, and a static selection of all of them.
 * Measured: RecipientsService.build (the whole filter pipeline, set-based) and
 * RecipientsService.summary. Baseline in the same run: the cheapest possible list — the same
 * persons copied into `recipients` by one hand-written INSERT … SELECT with no filter at all.
 * Usage: tsx bench/recipients.bench.ts [persons]   (default 1,000,000)
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { ManualClock, systemActor } from '../src/core/index.js';
import { buildServices } from '../src/services.js';
import { migrate, openDatabase } from '../src/storage/index.js';
import { fillPersons } from './fill.js';

const n = Number(process.argv[2] ?? 1_000_000);
const actor = systemActor('bench', [
  'editCrm',
  'viewCrm',
  'editMailings',
  'manageSettings',
  'overrideConsent',
]);

const out = join(import.meta.dirname, '.out');
mkdirSync(out, { recursive: true });
const file = join(out, 'recipients.db');
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
const handle = openDatabase({ engine: 'sqlite', file });
await migrate(handle);
const t0 = performance.now();
const newsletter = await fillPersons(handle, n, actor);
const services = buildServices(handle, {
  clock: new ManualClock(Date.now()),
  defaultCountry: 'NO',
  sessionTtlMs: 1,
  importBatchSize: 1,
  importMaxBytes: 1,
});
const selection = await services.selections.create({ name: 'Everyone', kind: 'static' }, actor);
await sql`insert into selection_members (selection_id, member_id, added_at) select ${selection.id}, id, 0 from persons`.execute(
  handle.db,
);
await sql`insert into blocked_addresses (address_key, address, channel, reason, code, diagnostic, blocked_at)
  select email_key, email, 'email', 'hardBounce', '5.1.1', null, 0 from persons where id % 100 = 0`.execute(
  handle.db,
);
console.log(
  `filled ${n} persons, a selection of all of them, ${n / 100} blocked addresses in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const mailing = await services.mailings.create({ name: 'Bench', channel: 'email' }, actor);
await services.mailings.update(
  mailing.id,
  { selectionId: selection.id, subscriptionTypeId: newsletter },
  actor,
);
const baselineMailing = await services.mailings.create({ name: 'Baseline', channel: 'email' }, actor);

// warm the page cache the same way for both
await sql`select count(*) from persons`.execute(handle.db);

const tb = performance.now();
await handle.db.transaction().execute(async (trx) => {
  await sql`insert into recipients (mailing_id, source_id, kind, person_id, company_id, import_row_id, address, status, reason, overridden, status_at)
    select ${baselineMailing.id}, null, 'person', p.id, p.company_id, null, p.email, 'ready', null, 0, 0 from persons p
    where p.id in (select member_id from selection_members where selection_id = ${selection.id})`.execute(
    trx,
  );
});
const baselineMs = performance.now() - tb;

const tr = performance.now();
const summary = await services.recipients.build(mailing.id, actor);
const buildMs = performance.now() - tr;

const times: number[] = [];
for (let i = 0; i < 7; i++) {
  const t = performance.now();
  await services.recipients.summary(mailing.id);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const summaryMs = times[3] ?? 0;

console.log(
  `recipients: ${summary.total} rows, ready ${summary.byStatus.ready ?? 0}, blocked by reason ${JSON.stringify(summary.byReason)}`,
);
console.log(`build (filter pipeline, privacy filter on)  ${(buildMs / 1000).toFixed(2)} s   target ≤ 10 s`);
console.log(
  `baseline (unfiltered INSERT … SELECT)       ${(baselineMs / 1000).toFixed(2)} s   ratio ${(buildMs / baselineMs).toFixed(2)}×`,
);
console.log(`summary counts (median of 7)                ${summaryMs.toFixed(2)} ms   target ≤ 100 ms`);
await handle.close();
const ok = buildMs <= 10_000 && summaryMs <= 100;
console.log(ok ? 'PASS' : 'FAIL');
