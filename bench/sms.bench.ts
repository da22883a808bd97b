/**
 * SMS benchmark (issue "Sending": 10,000 SMS into the test SMPP server at ≥ 1,000/s): from "send"
 * of an SMS mailing until every ledger row is `sent`, over one SMPP transceiver bind with a window
 * of 50, on SQLite. The server (npm `smpp` in server mode) runs in its own process.
 *
 * Baseline in the same run: the bare `smpp` client submitting the same number of pre-rendered
 * messages over one bind with the same window (no database, no merge, no ledger).
 * Usage: tsx bench/sms.bench.ts [messages]   (default 10,000)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import smpp from 'smpp';
import { startWorkers } from '../src/app.js';
import { sendingBench } from './fill.js';

const n = Number(process.argv[2] ?? 10_000);
const window = 50;
const sink = spawn(process.execPath, [join(import.meta.dirname, 'smpp-sink.mjs')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const lines = createInterface({ input: sink.stdout })[Symbol.asyncIterator]();
const port = Number((await lines.next()).value);

const { handle, services, actor, selectionId, secret } = await sendingBench('sms', n);
await services.smsGateways.create(
  { kind: 'smpp', name: 'sink', host: '127.0.0.1', port, systemId: 'bench', password: 'bench', window },
  actor,
);
const m = await services.mailings.create({ name: 'Bench SMS', channel: 'sms' }, actor);
await services.mailings.update(
  m.id,
  {
    selectionId: selectionId,
    setup: { sender: 'Posthorn' },
    content: { text: 'Hi [[customer.firstname]], your order is ready for pick-up at our Oslo store today.' },
  },
  actor,
);
await services.mailings.chooseTemplate(m.id, { blank: true }, actor);
const built = await services.recipients.build(m.id, actor);
const messages = built.byStatus.ready ?? 0;

const workers = startWorkers(services, {
  secret,
  publicUrl: 'https://posthorn.example',
  bounceDomain: 'bounce.posthorn.example',
  smtpPoolSize: 1,
  smsConcurrency: window,
  idleMs: 20,
  workerOptions: { batchSize: 1000 },
});
const t0 = performance.now();
await services.sending.send(m.id, actor);
for (;;) {
  await new Promise((r) => setTimeout(r, 50));
  const p = await services.sending.progress(m.id);
  if (p.state === 'finished' || p.state === 'stopped') break;
}
const oursMs = performance.now() - t0;
await workers.stop();
const progress = await services.sending.progress(m.id);

// baseline: the bare smpp client, the same window, pre-rendered texts
const persons = await handle.db
  .selectFrom('persons')
  .select(['first_name', 'mobile'])
  .orderBy('id')
  .execute();
const session = smpp.connect({ host: '127.0.0.1', port });
await new Promise<void>((resolve) =>
  session.on('connect', () =>
    session.bind_transceiver({ system_id: 'bench', password: 'bench' }, () => resolve()),
  ),
);
const t1 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: window }, async () => {
    while (next < messages) {
      const p = persons[next++];
      await new Promise<void>((resolve) =>
        session.submit_sm(
          {
            source_addr: 'Posthorn',
            destination_addr: String(p?.mobile ?? '').replace(/^\+/, ''),
            short_message: `Hi ${p?.first_name}, your order is ready for pick-up at our Oslo store today.`,
          },
          () => resolve(),
        ),
      );
    }
  }),
);
const baseMs = performance.now() - t1;
session.destroy();
sink.kill('SIGTERM');
const received = Number((await lines.next()).value);
await handle.close();

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);
console.log(
  `${messages} SMS over SMPP (window ${window}); server received ${received}; ledger ${JSON.stringify(progress.byState)}`,
);
console.log(
  `posthorn (send → all sent)     ${rate(messages, oursMs)} SMS/s  (${(oursMs / 1000).toFixed(1)} s)`,
);
console.log(
  `baseline bare smpp client      ${rate(messages, baseMs)} SMS/s  (${(baseMs / 1000).toFixed(1)} s)`,
);
console.log('target ≥ 1,000 SMS/s');
console.log(rate(messages, oursMs) >= 1000 && progress.byState.sent === messages ? 'PASS' : 'FAIL');
