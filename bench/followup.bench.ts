/**
 * Follow-up at scale (issue "Tracking, bounces and follow-up"): a mailing with 1,000,000
 * recipients and 3,000,000 events on SQLite. Goals: summary ≤ 20 ms, a filtered recipients page
 * ≤ 100 ms, CSV export of all recipients ≤ 15 s with flat memory.
 *
 * The recipients are built by the real pipeline; the events (two opens and a click per
 * recipient, a fifth of the opens and a third of the clicks by machines, spread over 48 hours)
 * and their counters are written by SQL in bulk, as the flusher would have left them.
 * Baselines in the same run: the summary computed the way a system without counters must (one
 * aggregate over the events and the recipients), and a bare SELECT of every recipient row with no
 * joins or formatting for the export.
 * PostgreSQL too when POSTHORN_BENCH_DATABASE_URL is set (in a fresh schema).
 * Usage: tsx bench/followup.bench.ts [recipients]   (default 1,000,000)
 */
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { sendingBench, trackedMailing } from './fill.js';

const n = Number(process.argv[2] ?? 1_000_000);

async function run(engine: string, pgUrl?: string): Promise<void> {
  console.log(`== ${engine}`);
  const t0 = performance.now();
  const { handle, services, actor, selectionId, dispose } = await sendingBench('followup', n, pgUrl);
  const db = handle.db;
  const m = await trackedMailing(services, actor, selectionId, 'Scale');
  const sent = Date.now() - 72 * 3_600_000;
  const id = m.id;
  // 2% bounced (half hard, half soft), 0.1% complained, the rest sent
  await sql`update recipients set sent_at = ${sent}, status_at = ${sent},
      status = case when id % 1000 = 7 then 'complained' when id % 50 = 0 then 'bounced' else 'sent' end,
      reason = case when id % 1000 = 7 then null when id % 100 = 0 then 'hardBounce' when id % 50 = 0 then 'softBounce' else null end,
      bounce_code = case when id % 100 = 0 then '5.1.1' when id % 50 = 0 then '4.2.2' else null end
    where mailing_id = ${id}`.execute(db);
  await sql`delete from recipient_counts where mailing_id = ${id}`.execute(db);
  await sql`insert into recipient_counts (mailing_id, status, reason, n)
    select mailing_id, status, coalesce(reason, ''), count(*) from recipients where mailing_id = ${id} group by mailing_id, status, coalesce(reason, '')`.execute(
    db,
  );
  // three events per recipient: open (machine for every fifth), open (human for every third), click (human for every fourth, else machine)
  await sql`insert into tracking_events (mailing_id, recipient_id, kind, link_no, machine, reason, client, at)
    select ${id}, r.id,
      case when k.k = 2 then 'click' else 'open' end,
      case when k.k = 2 then r.id % 10 + 1 else null end,
      case when k.k = 0 then (case when r.id % 5 = 0 then 1 else 0 end)
           when k.k = 1 then (case when r.id % 3 = 0 then 0 else 1 end)
           else (case when r.id % 4 = 0 then 0 else 1 end) end,
      case when k.k = 0 and r.id % 5 = 0 then 'mailPrivacyProxy' when k.k = 1 and r.id % 3 <> 0 then 'noUserAgent'
           when k.k = 2 and r.id % 4 <> 0 then 'clickedWithinSeconds' else null end,
      case when r.id % 2 = 0 then 'Gmail' else 'Outlook' end,
      ${sent} + (cast(r.id as bigint) * 7919 + k.k * 104729) % 172800000
    from recipients r cross join (select 0 as k union all select 1 union all select 2) k
    where r.mailing_id = ${id}`.execute(db);
  await sql`update recipients set
      opens = e.o, clicks = e.c, machine_events = e.m, first_read_at = e.fr, first_click_at = e.fc, client = e.cl
    from (select recipient_id,
        sum(case when kind = 'open' and machine = 0 then 1 else 0 end) as o,
        sum(case when kind = 'click' and machine = 0 then 1 else 0 end) as c,
        sum(machine) as m,
        min(case when machine = 0 then at end) as fr,
        min(case when kind = 'click' and machine = 0 then at end) as fc,
        min(case when machine = 0 then client end) as cl
      from tracking_events where mailing_id = ${id} group by recipient_id) e
    where recipients.id = e.recipient_id`.execute(db);
  await sql`insert into mailing_stats (mailing_id, opens, machine_opens, readers, clicks, machine_clicks, clickers, unsubscribed)
    select ${id},
      (select count(*) from tracking_events where mailing_id = ${id} and kind = 'open' and machine = 0),
      (select count(*) from tracking_events where mailing_id = ${id} and kind = 'open' and machine = 1),
      (select count(*) from recipients where mailing_id = ${id} and first_read_at is not null),
      (select count(*) from tracking_events where mailing_id = ${id} and kind = 'click' and machine = 0),
      (select count(*) from tracking_events where mailing_id = ${id} and kind = 'click' and machine = 1),
      (select count(*) from recipients where mailing_id = ${id} and first_click_at is not null),
      0`.execute(db);
  // what autovacuum would have done after writes this large (PostgreSQL's index-only counts need it)
  if (pgUrl) await sql`vacuum analyze`.execute(db);
  else await sql`analyze`.execute(db);
  const events = Number(
    (
      await db
        .selectFrom('tracking_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  console.log(
    `set up ${n.toLocaleString('en')} recipients and ${events.toLocaleString('en')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  async function median(runs: number, f: () => Promise<unknown>): Promise<number> {
    const times: number[] = [];
    await f(); // warm
    for (let k = 0; k < runs; k++) {
      const s = performance.now();
      await f();
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] as number;
  }

  const summary = await services.followup.summary(id);
  const tSummary = await median(20, () => services.followup.summary(id));
  const tSummaryBase = await median(3, () =>
    sql`select
        (select count(*) from recipients where mailing_id = ${id}) as recipients,
        (select count(distinct recipient_id) from tracking_events where mailing_id = ${id} and machine = 0) as readers,
        (select count(distinct recipient_id) from tracking_events where mailing_id = ${id} and machine = 0 and kind = 'click') as clickers,
        (select count(*) from recipients where mailing_id = ${id} and status = 'bounced') as bounced`.execute(
      db,
    ),
  );
  console.log(
    `summary: ${tSummary.toFixed(2)} ms median (goal ≤ 20 ms) — read ${summary.read.toLocaleString('en')}, clicked ${summary.clicked.toLocaleString('en')}, bounced ${summary.bounced.total.toLocaleString('en')}; baseline (aggregating events and recipients): ${tSummaryBase.toFixed(0)} ms`,
  );

  const pages: Array<[string, Parameters<typeof services.followup.recipients>[1]]> = [
    ['non-readers (status=sent&read=false)', { status: 'sent', read: false }],
    ['bounced or complained', { status: 'bounced,complained' }],
    ['clicked, page 50', { clicked: true, offset: 4900 }],
    ['all, sorted by read time desc', { sort: 'readAt', order: 'desc' }],
  ];
  for (const [label, q] of pages) {
    const page = await services.followup.recipients(id, q);
    const t = await median(10, () => services.followup.recipients(id, q));
    console.log(
      `recipients page, ${label}: ${t.toFixed(1)} ms median (goal ≤ 100 ms), ${page.items.length} of ${page.total.toLocaleString('en')}`,
    );
  }

  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const rssBefore = process.memoryUsage().rss;
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  const e0 = performance.now();
  const rows = await services.followup.export(id, {}, 'csv', sink);
  const tExport = (performance.now() - e0) / 1000;
  clearInterval(sampler);
  const b0 = performance.now();
  let baseRows = 0;
  // the same keyset pages of 5,000, bare rows: no joins, no formatting
  for (let after = 0; ; ) {
    const rows = await db
      .selectFrom('recipients')
      .select(['id', 'address', 'status'])
      .where('mailing_id', '=', id)
      .where('id', '>', after)
      .orderBy('id')
      .limit(5000)
      .execute();
    if (rows.length === 0) break;
    baseRows += rows.length;
    after = (rows[rows.length - 1] as { id: number }).id;
  }
  const tBase = (performance.now() - b0) / 1000;
  console.log(
    `CSV export: ${rows.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(0)} MB in ${tExport.toFixed(1)} s (goal ≤ 15 s); RSS ${(rssBefore / 1e6).toFixed(0)} MB before, peak ${(peak / 1e6).toFixed(0)} MB during; baseline (bare keyset SELECT of ${baseRows.toLocaleString('en')} rows): ${tBase.toFixed(1)} s`,
  );
  await dispose();
}

// `tsx bench/followup.bench.ts 1000000 postgres`: PostgreSQL only
if (process.argv[3] !== 'postgres') await run('sqlite');
if (process.env.POSTHORN_BENCH_DATABASE_URL) await run('postgres', process.env.POSTHORN_BENCH_DATABASE_URL);
