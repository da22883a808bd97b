import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { insertPersons } from '../../test/helpers/persons.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import { startWorkers } from '../app.js';
import { parseBody } from '../channels/document/letter.js';
import type { Services } from '../services.js';

const pdftotext = ['/usr/bin/pdftotext', '/usr/local/bin/pdftotext'].find((p) => existsSync(p));
const local = {
  secret: 'x'.repeat(40),
  publicUrl: 'https://m.test',
  bounceDomain: 'b.test',
  run: false,
} as const;

describe('letter body markup', () => {
  it('reads paragraphs, bold runs, bullet and numbered lists; an unpaired ** stays text', () => {
    expect(parseBody('Hello **you**\nsecond line\n\n- one\n* two\n\n1. first\n2) second\n\na ** b')).toEqual([
      {
        kind: 'paragraph',
        lines: [
          [
            { text: 'Hello ', bold: false },
            { text: 'you', bold: true },
          ],
          [{ text: 'second line', bold: false }],
        ],
      },
      { kind: 'bullets', items: [[{ text: 'one', bold: false }], [{ text: 'two', bold: false }]] },
      {
        kind: 'numbers',
        items: [
          { n: '1', runs: [{ text: 'first', bold: false }] },
          { n: '2', runs: [{ text: 'second', bold: false }] },
        ],
      },
      { kind: 'paragraph', lines: [[{ text: 'a ** b', bold: false }]] },
    ]);
  });
});

describe.each(engines)('document mailings on %s', (engine) => {
  let s: Services;
  let dispose: () => Promise<void>;
  let selectionId: number;
  const n = 120;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    dispose = t.database.dispose;
    await s.settings.update({ privacyFilter: false }, admin);
    const ids = await insertPersons(
      s.db,
      n,
      (i) => `d${i}@example.test`,
      (i) => [`Ada${String(i).padStart(3, '0')}`, `Lovelace${String(i).padStart(3, '0')}`],
      (i) => ({ street: `Storgata ${i}`, postcode: '0155', city: 'Oslo' }),
    );
    const sel = await s.selections.create({ name: 'Letters', kind: 'static' }, admin);
    selectionId = sel.id;
    await s.selections.addMembers(sel.id, ids, admin);
  });
  afterAll(async () => dispose());

  async function letterMailing(body: string): Promise<number> {
    const m = await s.mailings.create({ name: 'Annual letter', channel: 'document' }, admin);
    await s.mailings.update(
      m.id,
      {
        selectionId,
        setup: {
          heading: 'Your annual statement',
          senderBlock: 'Posthorn AS\nKarl Johans gate 1\n0154 Oslo',
          ourReference: 'AS-[[customer.lastname]]',
        },
        content: { body },
      },
      admin,
    );
    await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
    await s.recipients.build(m.id, admin);
    return m.id;
  }

  it('send makes one PDF with one letter per recipient in order; recipients become sent ("included") and the mailing finishes', async () => {
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1 });
    try {
      const long = Array.from({ length: 45 }, (_, k) => `- item ${k} for **[[customer.firstname]]**`).join(
        '\n',
      );
      const id = await letterMailing(
        `Dear [[customer.firstname]],\n\nThis is **important**.\n\n${long}\n\nKind regards`,
      );
      await s.sending.send(id, admin);
      expect(await workers.worker.tick()).toBe(n);
      await workers.worker.tick();
      expect((await s.mailings.get(id)).state).toBe('finished');
      expect((await s.recipients.summary(id)).byStatus).toMatchObject({ sent: n });
      const doc = await s.sending.document(id);
      expect(doc.letters).toBe(n);
      // every letter is long enough for two pages: each starts on a new page and has its own numbering
      expect(doc.pages).toBe(2 * n);
      if (!pdftotext) {
        console.warn('SKIPPED: pdftotext (poppler-utils) is not installed: the PDF text is not read back');
        return;
      }
      const text = execFileSync(pdftotext, ['-layout', doc.file, '-'], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      const pages = text.split('\f').filter((p) => p.trim() !== '');
      expect(pages).toHaveLength(2 * n);
      let at = 0;
      for (let i = 0; i < n; i++) {
        const name = `Ada${String(i).padStart(3, '0')} Lovelace${String(i).padStart(3, '0')}`;
        const first = pages[2 * i] ?? '';
        expect(first).toContain(name);
        expect(first).toContain(`Storgata ${i}`);
        expect(first).toContain(`AS-Lovelace${String(i).padStart(3, '0')}`);
        expect(first).toContain('Your annual statement');
        expect(first).toContain('Page 1 of 2');
        expect(pages[2 * i + 1]).toContain('Page 2 of 2');
        const found = text.indexOf(name, at);
        expect(found).toBeGreaterThanOrEqual(at);
        at = found;
      }
    } finally {
      await workers.stop();
    }
  });

  it('an unknown merge tag in "our reference" blocks the Content step and names the field', async () => {
    const id = await letterMailing('Hello');
    await s.mailings.update(id, { setup: { ourReference: 'REF-[[customer.nosuchfield]]' } }, admin);
    const findings = await s.mailings.auditContent(id);
    expect(findings).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        where: expect.objectContaining({ part: 'setup.ourReference' }),
      }),
    );
    await expect(s.sending.send(id, admin)).rejects.toMatchObject({ code: 'MAILING_INCOMPLETE' });
  });

  it('the PDF is refused before it exists, and for other channels, with a clear code', async () => {
    const id = await letterMailing('Hello');
    await expect(s.sending.document(id)).rejects.toMatchObject({ code: 'DOCUMENT_NOT_READY' });
    const e = await s.mailings.create({ name: 'Mail', channel: 'email' }, admin);
    await expect(s.sending.document(e.id)).rejects.toThrow(/only document mailings have a PDF/);
  });

  it('a PDF that cannot be written stops the mailing with the reason and loses no recipient', async () => {
    const id = await letterMailing('Hello [[customer.firstname]]');
    const workers = startWorkers(s, { ...local, smtpPoolSize: 1 });
    // a file where the documents directory should be: mkdir fails
    const dir = s.sending.documentsDir;
    const { mkdirSync, rmSync, writeFileSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    writeFileSync(dir, 'not a directory');
    try {
      await s.sending.send(id, admin);
      await workers.worker.tick();
      const p = await s.sending.progress(id);
      expect(p.state).toBe('stopped');
      expect(p.pausedReason).toMatch(/the PDF could not be made/);
      expect(p.byState).toEqual({ ready: n });
      rmSync(dir, { force: true });
      await s.sending.start(id, admin);
      await workers.worker.tick();
      await workers.worker.tick();
      expect((await s.sending.progress(id)).byState).toEqual({ sent: n });
      expect((await s.sending.document(id)).letters).toBe(n);
    } finally {
      rmSync(dir, { force: true, recursive: true });
      await workers.stop();
    }
  });
});
