import { createHash, createPrivateKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { DkimKey } from './dkim.js';

/**
 * The sending path's MIME writer: multipart/alternative with a text and an HTML part, both UTF-8
 * in base64 (encoded natively, wrapped at 76), and our own DKIM signer (relaxed/relaxed,
 * rsa-sha256). Generic composers scan every message to choose an encoding and canonicalise the
 * body in JavaScript; here the body is built so that its relaxed canonical form is the body
 * itself (base64 lines, no trailing white space, one final CRLF), so the body hash is one native
 * SHA-256 and signing is one native RSA operation.
 *
 * Used for messages without attachments whose addresses are ASCII; the others go through
 * nodemailer's composer.
 */
export interface FastEmail {
  from: { name: string; address: string };
  replyTo?: { name: string; address: string } | undefined;
  to: string;
  subject: string;
  messageId: string;
  date: Date;
  /** Extra headers (List-Unsubscribe …), values without line breaks. */
  headers: Record<string, string>;
  text: Buffer;
  html: Buffer;
}

const asciiRe = /^[\x20-\x7e]*$/;

/** Whether the fast path can carry these addresses (ASCII only; SMTPUTF8 goes the generic way). */
export function fastPathAddresses(...addresses: string[]): boolean {
  return addresses.every((a) => asciiRe.test(a));
}

/** A header value: ASCII as is (folded at spaces), anything else as RFC 2047 UTF-8 B-words. */
export function encodeHeaderValue(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  return asciiRe.test(clean) ? fold(clean) : encodedWords(clean);
}

/** RFC 2047 UTF-8 B-words, folded one per line. */
function encodedWords(clean: string): string {
  const words: string[] = [];
  // 45 bytes of UTF-8 → 60 base64 characters per encoded word, never splitting a character
  let chunk = '';
  for (const ch of clean) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk !== '') words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
  return words.join('\r\n ');
}

function fold(value: string): string {
  if (value.length <= 76) return value;
  const out: string[] = [];
  let line = '';
  for (const word of value.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > 76) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  out.push(line);
  return out.join('\r\n ');
}

function mailbox(m: { name: string; address: string }): string {
  if (m.name === '') return `<${m.address}>`;
  const plain = m.name.replace(/[\r\n]+/g, ' ');
  const name = asciiRe.test(plain) ? `"${plain.replace(/(["\\])/g, '\\$1')}"` : encodedWords(plain);
  return `${name} <${m.address}>`;
}

function base64Lines(data: Buffer): string {
  const b = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 76) lines.push(b.slice(i, i + 76));
  return lines.join('\r\n');
}

const keys = new Map<string, KeyObject>();

/** Builds (and, with a key, DKIM-signs) one message. */
export function buildFastEmail(m: FastEmail, dkim: DkimKey | null): Buffer {
  const boundary = `--ph-${randomBytes(12).toString('hex')}`;
  const headers: Array<[string, string]> = [
    ['From', mailbox(m.from)],
    ...(m.replyTo ? ([['Reply-To', mailbox(m.replyTo)]] as Array<[string, string]>) : []),
    ['To', `<${m.to}>`],
    ['Subject', encodeHeaderValue(m.subject)],
    ['Date', m.date.toUTCString().replace('GMT', '+0000')],
    ['Message-ID', m.messageId],
    ['MIME-Version', '1.0'],
    ...Object.entries(m.headers).map(([k, v]) => [k, fold(v.replace(/[\r\n]+/g, ' '))] as [string, string]),
    ['Content-Type', `multipart/alternative; boundary="${boundary}"`],
  ];
  const body =
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(m.text)}\r\n` +
    `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(m.html)}\r\n` +
    `--${boundary}--\r\n`;
  let head = headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  if (dkim) head = `${dkimHeader(headers, body, dkim, m.date)}\r\n${head}`;
  return Buffer.from(`${head}\r\n${body}`, 'utf8');
}

/** Relaxed header canonicalisation (RFC 6376 §3.4.2). */
function relaxedHeader(name: string, value: string): string {
  return `${name.toLowerCase()}:${value
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim()}`;
}

function dkimHeader(headers: Array<[string, string]>, body: string, key: DkimKey, date: Date): string {
  let privateKey = keys.get(key.privateKey);
  if (!privateKey) {
    privateKey = createPrivateKey(key.privateKey);
    keys.set(key.privateKey, privateKey);
  }
  // the body is its own relaxed canonical form (see the module comment)
  const bh = createHash('sha256').update(body).digest('base64');
  const names = headers.map(([k]) => k);
  const value =
    `v=1; a=rsa-sha256; c=relaxed/relaxed; d=${key.domain}; q=dns/txt; s=${key.selector};\r\n` +
    ` t=${Math.floor(date.getTime() / 1000)}; h=${names.join(':')};\r\n bh=${bh}; b=`;
  const signed = `${headers.map(([k, v]) => `${relaxedHeader(k, v)}\r\n`).join('')}${relaxedHeader('DKIM-Signature', value)}`;
  const b = sign('sha256', Buffer.from(signed, 'utf8'), privateKey).toString('base64');
  const folded: string[] = [];
  for (let i = 0; i < b.length; i += 72) folded.push(b.slice(i, i + 72));
  return `DKIM-Signature: ${value}${folded.join('\r\n ')}`;
}
