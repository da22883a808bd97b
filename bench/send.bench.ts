/**
 * E-mail end-to-end benchmark (issue "Sending": 100,000 recipients, a 20 KB personalised HTML
 * mailing with 10 tracked links, DKIM RSA-2048, from "send" until every ledger row is `sent`, into
 * a local SMTP sink, on SQLite; goal ≥ 2× the baseline, floor ≥ 1.5×; peak RSS ≤ 500 MB).
 *
 * Baseline in the same run: nodemailer's pooled SMTP transport with its own DKIM option sending the
 * same messages (rendered with the same compiled merge programs just before each send) to the same
 * sink with the same number of connections. The sink is an smtp-server in its own process.
 * Usage: tsx bench/send.bench.ts [recipients]   (default 100,000)
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import nodemailer from 'nodemailer';
import { startWorkers } from '../src/app.js';
import { compileTemplate, knownFieldTest, mergeValues } from '../src/merge/index.js';
import { sendingBench } from './fill.js';

const n = Number(process.argv[2] ?? 100_000);
const connections = 8;
const sink = spawn(process.execPath, [join(import.meta.dirname, 'smtp-sink.mjs')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const lines = createInterface({ input: sink.stdout })[Symbol.asyncIterator]();
const port = Number((await lines.next()).value);
const smtpUrl = `smtp://127.0.0.1:${port}/?tls=none`;

const { handle, services, actor, selectionId, secret } = await sendingBench('send', n);
await services.sendingDomains.add({ domain: 'posthorn.example' }, actor);

const paragraph = `<tr><td style="padding:0 24px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:24px">${'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. '.repeat(10)}</td></tr>\n`;
let html = '<html><body><table width="100%">';
for (let k = 0; k < 10; k++)
  html += `${paragraph}<tr><td>Hello [[customer.firstname]] [[customer.lastname]], <a href="https://example.com/article/${k}">read ${k}</a></td></tr>\n`;
while (html.length < 20 * 1024) html += paragraph;
html += '<p><a href="[[link.subscription]]">Unsubscribe</a></p></body></html>';

const m = await services.mailings.create({ name: 'Bench', channel: 'email' }, actor);
await services.mailings.update(
  m.id,
  {
    selectionId: selectionId,
    setup: {
      subject: 'News for [[customer.firstname]]',
      preheader: 'Bench',
      from: { name: 'Bench', address: 'news@posthorn.example' },
    },
    content: { format: 'html', source: html },
  },
  actor,
);
await services.mailings.chooseTemplate(m.id, { blank: true }, actor);
await services.recipients.build(m.id, actor);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);

// ours: send → every ledger row sent
const workers = startWorkers(services, {
  secret,
  publicUrl: 'https://posthorn.example',
  bounceDomain: 'bounce.posthorn.example',
  smtpUrl,
  smtpPoolSize: connections,
  idleMs: 20,
  workerOptions: { batchSize: 500 },
});
const t0 = performance.now();
await services.sending.send(m.id, actor);
for (;;) {
  await new Promise((r) => setTimeout(r, 100));
  if ((await services.sending.progress(m.id)).state === 'finished') break;
}
const oursMs = performance.now() - t0;
await workers.stop();
const oursRss = peakRss;

// baseline: nodemailer pooled SMTP with its DKIM option, the same messages, the same sink
const key = await services.sendingDomains.keyFor('news@posthorn.example');
const rendered = await services.mailings.rendered(m.id);
const isKnown = knownFieldTest(await services.mailings.catalogue());
const program = compileTemplate(rendered.html, 'html', { isKnown, internal: true }).program;
const text = compileTemplate(rendered.text, 'text', { isKnown, internal: true }).program;
const persons = await handle.db
  .selectFrom('persons')
  .select(['id', 'first_name', 'last_name', 'email'])
  .orderBy('id')
  .execute();
const transport = nodemailer.createTransport({
  pool: true,
  host: '127.0.0.1',
  port,
  secure: false,
  ignoreTLS: true,
  maxConnections: connections,
  maxMessages: Number.POSITIVE_INFINITY,
  dkim: {
    domainName: 'posthorn.example',
    keySelector: key?.selector ?? 'x',
    privateKey: key?.privateKey ?? '',
  },
  // the same TCP_NODELAY sockets as ours, or the baseline would lose 40 ms per message to Nagle
  getSocket: (
    opts: { host: string; port: number },
    cb: (e: Error | null, s?: { connection: net.Socket }) => void,
  ) => {
    const socket = net.connect({ host: opts.host, port: opts.port }, () => cb(null, { connection: socket }));
    socket.setNoDelay(true);
  },
} as nodemailer.TransportOptions);
peakRss = 0;
const t1 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: connections * 2 }, async () => {
    while (next < persons.length) {
      const p = persons[next++];
      if (!p?.email) continue;
      const values = mergeValues({
        registered: true,
        name: `${p.first_name} ${p.last_name}`,
        email: p.email,
        firstName: p.first_name,
        lastName: p.last_name,
      });
      const context = { linkPrefix: `https://posthorn.example/t/c/x${p.id}/` };
      await transport.sendMail({
        from: { name: 'Bench', address: 'news@posthorn.example' },
        to: p.email,
        subject: `News for ${p.first_name}`,
        html: program?.render(values, context) ?? '',
        text: text?.render(values, context) ?? '',
        headers: {
          'List-Unsubscribe': `<https://posthorn.example/t/u/x${p.id}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      });
    }
  }),
);
const baseMs = performance.now() - t1;
transport.close();
clearInterval(sampler);

sink.kill('SIGTERM');
const received = Number((await lines.next()).value);
await handle.close();

const rate = (ms: number) => Math.round((n / ms) * 1000);
console.log(
  `${n} recipients, 20 KB HTML, 10 tracked links, DKIM RSA-2048, ${connections} connections; sink received ${received}`,
);
console.log(
  `posthorn (send → all sent)          ${rate(oursMs)} messages/s  (${(oursMs / 1000).toFixed(1)} s, peak RSS ${Math.round(oursRss / 1e6)} MB)`,
);
console.log(
  `baseline nodemailer pool + DKIM     ${rate(baseMs)} messages/s  (${(baseMs / 1000).toFixed(1)} s)`,
);
console.log(
  `ratio ${(rate(oursMs) / rate(baseMs)).toFixed(2)}×   goal ≥ 2×, floor ≥ 1.5×; peak RSS ≤ 500 MB`,
);
console.log(rate(oursMs) >= 1.5 * rate(baseMs) && oursRss <= 500e6 ? 'PASS' : 'FAIL');
