/**
 * Tracking benchmark (issue "Tracking, bounces and follow-up"): the open pixel and click redirect
 * under 50 keep-alive connections for 10 s on 127.0.0.1 (autocannon), against a bare Node `http`
 * server answering the same GIF in the same run. Goal ≥ 50 % of the baseline's requests per
 * second, floor 30 %, p99 ≤ 10 ms; afterwards the stored events equal the acknowledged requests.
 * Each server runs in its own process; autocannon runs here. Half the requests are opens, half
 * clicks, spread over the recipients of a sent mailing in a SQLite file.
 * Usage: tsx bench/tracking.bench.ts [recipients] [seconds] [rounds]   (default 10,000, 10 and 3)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { TokenSigner } from '../src/core/index.js';
import { sendingBench, trackedMailing } from './fill.js';

const n = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 10);
const connections = 50;
const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36';

const { handle, services, actor, out, selectionId, secret } = await sendingBench('tracking', n);
const m = await trackedMailing(services, actor, selectionId, 'Tracked');
// sent an hour ago (so clicks are not "within seconds of sending")
const sentAt = Date.now() - 3_600_000;
await sql`update recipients set status = 'sent', sent_at = ${sentAt}, status_at = ${sentAt} where mailing_id = ${m.id}`.execute(
  handle.db,
);
const ids = (
  await handle.db.selectFrom('recipients').select('id').where('mailing_id', '=', m.id).execute()
).map((r) => r.id);
await handle.close();
const signer = new TokenSigner(secret);
const paths = ids.flatMap((id, k) => {
  const t = signer.sign('r', `${m.id}.${id}`);
  return [`/t/c/${t}/0`, `/t/c/${t}/${(k % 10) + 1}`];
});

async function server(mode: 'baseline' | 'posthorn') {
  const profile =
    mode === 'posthorn' && process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [];
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      ...profile,
      join(import.meta.dirname, 'tracking-server.ts'),
      mode,
      join(out, 'tracking.db'),
      secret,
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const port = Number((await lines.next()).value);
  return {
    port,
    stop: async () => {
      child.stdin.end();
      const committed = Number((await lines.next()).value);
      await new Promise((r) => child.once('exit', r));
      return committed;
    },
  };
}

async function load(port: number, duration = seconds) {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    headers: { 'user-agent': ua },
    requests: [
      {
        setupRequest: (req) => {
          req.path = paths[next++ % paths.length] as string;
          return req;
        },
      },
    ],
  });
  return result;
}

// rounds alternate (baseline, posthorn, baseline, …): this VM's speed drifts by tens of percent
// from minute to minute, and a ratio of neighbouring runs is what is comparable
const rounds = Number(process.argv[4] ?? 3);
let acknowledged = 0;
let committed = 0;
const results: Array<{ b: autocannon.Result; p: autocannon.Result }> = [];
for (let k = 0; k < rounds; k++) {
  // each server warms up for 2 s (JIT, caches) before the measured load; the warm-up's events
  // are acknowledged too and counted
  const base = await server('baseline');
  await load(base.port, 2);
  const b = await load(base.port);
  await base.stop();
  const ours = await server('posthorn');
  const warm = await load(ours.port, 2);
  const p = await load(ours.port);
  committed += await ours.stop();
  acknowledged += warm['2xx'] + warm['3xx'] + p['2xx'] + p['3xx'];
  results.push({ b, p });
  console.log(
    `round ${k + 1}: baseline ${Math.round(b.requests.average).toLocaleString('en')} req/s (p99 ${b.latency.p99} ms); posthorn ${Math.round(p.requests.average).toLocaleString('en')} req/s, p50 ${p.latency.p50} ms, p90 ${p.latency.p90} ms, p99 ${p.latency.p99} ms, max ${p.latency.max} ms, errors ${p.errors}, non-2xx/3xx ${p.non2xx - p['3xx']} — ${((p.requests.average / b.requests.average) * 100).toFixed(1)} %`,
  );
}

const check = (await import('../src/storage/index.js')).openDatabase({
  engine: 'sqlite',
  file: join(out, 'tracking.db'),
});
const stored = Number(
  (
    await check.db
      .selectFrom('tracking_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n,
);
const stats = await check.db
  .selectFrom('mailing_stats')
  .selectAll()
  .where('mailing_id', '=', m.id)
  .executeTakeFirstOrThrow();
await check.close();
const mid = <T>(xs: T[], f: (x: T) => number) =>
  xs.map(f).sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ratio = mid(results, (r) => r.p.requests.average / r.b.requests.average);
console.log(
  `median of ${rounds} rounds: baseline (bare node http, same GIF) ${Math.round(mid(results, (r) => r.b.requests.average)).toLocaleString('en')} req/s; posthorn /t/c (opens + clicks, group commit) ${Math.round(mid(results, (r) => r.p.requests.average)).toLocaleString('en')} req/s, p99 ${mid(results, (r) => r.p.latency.p99)} ms`,
);
console.log(
  `ratio: ${(ratio * 100).toFixed(1)} % of the baseline (goal ≥ 50 %, floor 30 %); p99 goal ≤ 10 ms`,
);
console.log(
  `events: acknowledged ${acknowledged.toLocaleString('en')}, stored ${stored.toLocaleString('en')} (committed by the servers ${committed.toLocaleString('en')}; opens ${stats.opens}, clicks ${stats.clicks}); ` +
    `stored − acknowledged = ${stored - acknowledged} (requests in flight when a load stopped: at most ${connections} per load, two loads per round)`,
);
if (stored < acknowledged) {
  console.error('LOST EVENTS: fewer stored than acknowledged');
  process.exitCode = 1;
}
