import type { MergeData } from '../../merge/index.js';

/**
 * One printed letter in the fixed frame of PRODUCT.md §6: sender block, address window, date,
 * our reference, attention, heading, body. The body's light markup is read after merging:
 * paragraphs are separated by blank lines, `**bold**` marks bold runs, lines starting with
 * `- ` or `* ` are bullet items and lines starting with `1. ` (any number) numbered items.
 */
export interface Letter {
  senderBlock: string;
  /** The address window: the recipient's name, company and postal address, one line each. */
  addressLines: string[];
  date: string;
  ourReference: string;
  attention: string;
  heading: string;
  body: Block[];
}

export interface Run {
  text: string;
  bold: boolean;
}
export type Block =
  | { kind: 'paragraph'; lines: Run[][] }
  | { kind: 'bullets'; items: Run[][] }
  | { kind: 'numbers'; items: Array<{ n: string; runs: Run[] }> };

export interface LetterFrame {
  senderBlock: string;
  heading: string;
  /** `ifNoneDefined`: the recipient's name, else the text; `always`: the text. */
  attention: { rule: 'ifNoneDefined' | 'always'; text: string };
}

export function composeLetter(
  frame: LetterFrame,
  data: MergeData,
  merged: { body: string; ourReference: string },
  date: Date,
): Letter {
  const attention =
    frame.attention.rule === 'always' || !data.name ? frame.attention.text : (data.name ?? '');
  const postal = data.address ?? data.company?.address ?? '';
  const company = data.company?.name && data.registered && data.firstName ? data.company.name : null;
  const addressLines = [data.name, company, ...postal.split(/,\s*/)]
    .map((l) => (l ?? '').trim())
    .filter((l) => l !== '');
  return {
    senderBlock: frame.senderBlock,
    addressLines,
    date: date.toISOString().slice(0, 10),
    ourReference: merged.ourReference,
    attention,
    heading: frame.heading,
    body: parseBody(merged.body),
  };
}

/** The letter as plain text (the preview of a document mailing). */
export function letterText(l: Letter): string {
  const runs = (rs: Run[]) => rs.map((r) => r.text).join('');
  const body = l.body.map((b) =>
    b.kind === 'paragraph'
      ? b.lines.map(runs).join('\n')
      : b.kind === 'bullets'
        ? b.items.map((i) => `• ${runs(i)}`).join('\n')
        : b.items.map((i) => `${i.n}. ${runs(i.runs)}`).join('\n'),
  );
  return [
    l.senderBlock,
    '',
    l.addressLines.join('\n'),
    '',
    l.date,
    l.ourReference ? `Our ref.: ${l.ourReference}` : '',
    l.attention ? `Attn.: ${l.attention}` : '',
    '',
    l.heading,
    '',
    body.join('\n\n'),
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n')
    .trim();
}

const bullet = /^\s*[-*]\s+(.*)$/;
const numbered = /^\s*(\d{1,3})[.)]\s+(.*)$/;

/** Paragraphs, bullet lists and numbered lists with bold runs; never throws. */
export function parseBody(text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    if (line.trim() === '') {
      current = null;
      continue;
    }
    const b = bullet.exec(line);
    const n = b ? null : numbered.exec(line);
    if (b) {
      if (current?.kind !== 'bullets') {
        current = { kind: 'bullets', items: [] };
        blocks.push(current);
      }
      current.items.push(runsOf(b[1] ?? ''));
    } else if (n) {
      if (current?.kind !== 'numbers') {
        current = { kind: 'numbers', items: [] };
        blocks.push(current);
      }
      current.items.push({ n: n[1] ?? '', runs: runsOf(n[2] ?? '') });
    } else {
      if (current?.kind !== 'paragraph') {
        current = { kind: 'paragraph', lines: [] };
        blocks.push(current);
      }
      current.lines.push(runsOf(line));
    }
  }
  return blocks;
}

function runsOf(line: string): Run[] {
  const parts = line.split('**');
  // an unpaired marker is text, not bold to the end of the line
  if (parts.length % 2 === 0) return [{ text: line, bold: false }];
  return parts.map((text, i) => ({ text, bold: i % 2 === 1 })).filter((r) => r.text !== '');
}
