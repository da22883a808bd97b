import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusMessage } from '../../test/helpers/bounce-corpus.js';
import { classify, parseBounce, tokensIn } from './parse.js';

interface Expected {
  file: string;
  kind?: string;
  format?: string;
  status?: string;
  code?: string | null;
  refused?: string;
}

const dir = join(import.meta.dirname, 'corpus');
const corpus = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected[];

describe('the bounce corpus', () => {
  it('has at least 30 messages shaped like those of common MTAs', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.map((c) => [c.file, c] as const))('%s is classified as expected', async (file, expected) => {
    const token = 'MTIuMzQ.abcdefghijklmnopqrstuv';
    const r = await parseBounce(
      corpusMessage(file, { rcpt: 'kari@example.com', token, messageId: '<m.12.34@posthorn>' }),
    );
    if (expected.refused) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain(expected.refused);
      return;
    }
    if (!r.ok) throw new Error(r.reason);
    expect(r.report.kind).toBe(expected.kind);
    expect(r.report.format).toBe(expected.format);
    if (expected.status !== undefined) expect(r.report.status).toBe(expected.status);
    if (expected.code !== undefined) expect(r.report.code).toBe(expected.code);
    expect(r.report.recipient?.toLowerCase()).toBe('kari@example.com');
    // the recipient can be found again: from the VERP address or the original's headers
    const found = [...r.report.originalTokens, ...r.report.addressedTo.flatMap((a) => tokensIn(a))];
    const byMessageId = r.report.originalMessageId === '<m.12.34@posthorn>';
    expect(found.includes(token) || byMessageId).toBe(true);
  });
});

describe('soft or hard', () => {
  it('a 5.1.x is hard, a 4.x.x soft, a full mailbox and a policy block soft', () => {
    expect(classify('5.1.1', null)).toBe('hard');
    expect(classify('4.2.2', null)).toBe('soft');
    expect(classify('5.2.2', 'mailbox full')).toBe('soft');
    expect(classify('5.7.1', 'blocked as spam')).toBe('soft');
    expect(classify('5.7.1', 'user unknown')).toBe('hard');
    expect(classify(null, '550 no such user here')).toBe('hard');
    expect(classify(null, '452 try again later')).toBe('soft');
    expect(classify('5.0.0', null, 'delayed')).toBe('soft');
  });

  it('garbage, an empty message and a truncated DSN are refused with a reason', async () => {
    for (const input of [
      '',
      '\u0000\u0001garbage',
      'Content-Type: multipart/report; boundary="x"\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n',
    ]) {
      const r = await parseBounce(input);
      expect(r.ok).toBe(false);
    }
  });
});
