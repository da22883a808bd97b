/**
 * Tracking benchmark (issue "Tracking, bounces and follow-up"): the open pixel and click redirect
 * under 50 keep-alive connections for 10 s on 127.0.0.1 (autocannon), against a bare Node `http`
 * server answering the same GIF in the same run. Goal ≥ 50 % of the baseline's requests per
 * second, floor 30 %, p99 ≤ 10 ms; afterwards the stored events equal the acknowledged requests.
 * Each server runs in its own process; autocannon runs here. Half the requests are opens, half
 * clicks, spread over the recipients of a sent mailing in a SQLite file.
 * Usage: tsx bench/tracking.bench.ts [recipients] [seconds]   (default 10,000 and 10)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { TokenSigner } from '../src/core/index.js';
import { sendingBench } from './fill.js';

const n = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 10);
const connections = 50;
const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36';

const { handle, services, actor, out, selectionId, secret } = await sendingBench('tracking', n);
const m = await services.mailings.create({ name: 'Tracked', channel: 'email' }, actor);
await services.mailings.update(
  m.id,
  {
    selectionId,
    setup: {
      subject: 'Hi',
      from: { name: 'B', address: 'b@posthorn.example' },
      tracking: { opens: true, allLinks: true },
    },
    content: {
      format: 'html',
      source: `<html><body>${Array.from({ length: 10 }, (_, k) => `<a href="https://example.com/${k}">${k}</a>`).join(' ')}</body></html>`,
    },
  },
  actor,
);
await services.mailings.chooseTemplate(m.id, { blank: true }, actor);
await services.recipients.build(m.id, actor);
await services.mailings.rendered(m.id);
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

async function load(port: number) {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
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

const base = await server('baseline');
const b = await load(base.port);
await base.stop();
const ours = await server('posthorn');
const p = await load(ours.port);
const committed = await ours.stop();

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
const acknowledged = p['2xx'] + p['3xx'];
const ratio = p.requests.average / b.requests.average;
console.log(
  `baseline (bare node http, same GIF): ${Math.round(b.requests.average).toLocaleString('en')} req/s, p99 ${b.latency.p99} ms`,
);
console.log(
  `posthorn /t/c (opens + clicks, group commit): ${Math.round(p.requests.average).toLocaleString('en')} req/s, p50 ${p.latency.p50} ms, p99 ${p.latency.p99} ms, errors ${p.errors}, non-2xx/3xx ${p.non2xx - p['3xx']}`,
);
console.log(
  `ratio: ${(ratio * 100).toFixed(1)} % of the baseline (goal ≥ 50 %, floor 30 %); p99 goal ≤ 10 ms`,
);
console.log(
  `events: acknowledged ${acknowledged.toLocaleString('en')}, stored ${stored.toLocaleString('en')} (committed by the server ${committed.toLocaleString('en')}; opens ${stats.opens}, clicks ${stats.clicks}); ` +
    `stored − acknowledged = ${stored - acknowledged} (requests in flight when the load stopped: at most ${connections})`,
);
if (stored < acknowledged) {
  console.error('LOST EVENTS: fewer stored than acknowledged');
  process.exitCode = 1;
}
