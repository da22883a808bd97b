/**
 * Document benchmark (issue "Sending": 10,000 letters in one PDF in ≤ 30 s): from "send" of a
 * document mailing until the mailing is finished (PDF written, every recipient `sent`), on SQLite.
 *
 * Baseline in the same run: pdfkit alone writing the same number of one-page letters as one plain
 * text block each (no database, no merge, no letter frame, no page numbers), the floor our
 * pipeline stands on.
 * Usage: tsx bench/document.bench.ts [letters]   (default 10,000)
 */
import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { startWorkers } from '../src/app.js';
import { sendingBench } from './fill.js';

const n = Number(process.argv[2] ?? 10_000);
const { handle, services, actor, out, selectionId, secret } = await sendingBench('document', n);
const body = [
  'Dear [[customer.firstname]],',
  '',
  'Thank you for another year with us. This letter sums up **what changes** for you from January:',
  '',
  '- a new contact person: [[ourContact.name]]',
  '- invoices by e-mail to [[customer.email]]',
  '- a **lower** yearly fee',
  '',
  'Please keep this letter with your papers. '.repeat(6),
  '',
  'Kind regards',
].join('\n');
const m = await services.mailings.create({ name: 'Bench letter', channel: 'document' }, actor);
await services.mailings.update(
  m.id,
  {
    selectionId: selectionId,
    setup: {
      heading: 'Changes from January',
      senderBlock: 'Posthorn AS\nKarl Johans gate 1\n0154 Oslo',
      ourReference: 'L-[[customer.lastname]]',
    },
    content: { body },
  },
  actor,
);
await services.mailings.chooseTemplate(m.id, { blank: true }, actor);
const built = await services.recipients.build(m.id, actor);
const letters = built.byStatus.ready ?? 0;

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
const workers = startWorkers(services, {
  secret,
  publicUrl: 'https://posthorn.example',
  bounceDomain: 'bounce.posthorn.example',
  smtpPoolSize: 1,
  idleMs: 20,
});
const t0 = performance.now();
await services.sending.send(m.id, actor);
for (;;) {
  await new Promise((r) => setTimeout(r, 50));
  const p = await services.sending.progress(m.id);
  if (process.env.DEBUG) console.log(JSON.stringify(p));
  if (p.state === 'finished' || p.state === 'stopped') break;
}
const oursMs = performance.now() - t0;
await workers.stop();
const doc = await services.sending.document(m.id);

// baseline: pdfkit alone, one text block per page
const baseFile = join(out, 'baseline.pdf');
const t1 = performance.now();
await new Promise<void>((resolve) => {
  const pdf = new PDFDocument({ size: 'A4', autoFirstPage: false });
  const stream = createWriteStream(baseFile);
  stream.on('finish', resolve);
  pdf.pipe(stream);
  for (let i = 0; i < letters; i++) {
    pdf.addPage();
    pdf.fontSize(11).text(`Posthorn AS\nPerson ${i}\nOslo\n\nChanges from January\n\n${body}`);
  }
  pdf.end();
});
const baseMs = performance.now() - t1;
clearInterval(sampler);
await handle.close();

console.log(`${letters} letters (${doc.pages} pages, ${(doc.bytes / 1e6).toFixed(1)} MB)`);
console.log(
  `posthorn (send → PDF written, all sent)   ${(oursMs / 1000).toFixed(1)} s  ${Math.round((letters / oursMs) * 1000)} letters/s  (peak RSS ${Math.round(peakRss / 1e6)} MB)`,
);
console.log(
  `baseline pdfkit, plain text pages         ${(baseMs / 1000).toFixed(1)} s  ${Math.round((letters / baseMs) * 1000)} letters/s  (${(statSync(baseFile).size / 1e6).toFixed(1)} MB)`,
);
console.log(`target: ${n} letters ≤ 30 s`);
console.log(oursMs <= (30_000 * n) / 10_000 ? 'PASS' : 'FAIL');
