import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenSigner } from './tokens.js';

const secret = 'test-instance-secret-that-is-long-enough-0123456789';
const signer = new TokenSigner(secret);
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** What a changed character may become: the base64url alphabet and what sits near it in a URL. */
const replacements = `${alphabet}=.+/ %~\u00e9`;

const payload = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 });
const purpose = fc.constantFrom('r', 'b', 'm', 'smsReceipts');

/**
 * The same base64url text with its last character swapped for another that decodes to the same
 * bytes: n characters carry 6n bits and decoding keeps whole bytes, so the low (6n mod 8) bits of
 * the last character are never read. For a 22-character MAC that is 4 bits (the `…D6S` / `…D6Q` case).
 */
function sameBytesSpelling(text: string): string {
  const unused = (text.length * 6) % 8;
  const mask = (1 << unused) - 1;
  const i = alphabet.indexOf(text.at(-1) as string);
  return text.slice(0, -1) + (alphabet[(i & ~mask) | ((i + 1) & mask)] as string);
}

/** The MAC `TokenSigner` computes over a body, for bodies `sign` would never write. */
function macOf(p: string, body: string): string {
  return createHmac('sha256', secret).update(p).update('\0').update(body).digest('base64url').slice(0, 22);
}

describe('TokenSigner', () => {
  it('a signed token verifies for its purpose and gives the payload back', () => {
    fc.assert(
      fc.property(purpose, payload, (p, value) => {
        expect(signer.verify(p, signer.sign(p, value))).toBe(value);
      }),
    );
  });

  it('any one character changed, in the body or the MAC, and the token does not verify', () => {
    fc.assert(
      fc.property(
        purpose,
        payload,
        fc.nat(),
        fc.constantFrom(...replacements),
        (p, value, at, replacement) => {
          const token = signer.sign(p, value);
          const i = at % token.length;
          fc.pre(token[i] !== replacement);
          const changed = token.slice(0, i) + replacement + token.slice(i + 1);
          expect(signer.verify(p, changed)).toBeNull();
        },
      ),
    );
  });

  it('a padding "=" appended, or a character added or removed, and the token does not verify', () => {
    fc.assert(
      fc.property(purpose, payload, fc.constantFrom(...replacements), (p, value, extra) => {
        const token = signer.sign(p, value);
        expect(signer.verify(p, `${token}=`)).toBeNull();
        expect(signer.verify(p, `${token}==`)).toBeNull();
        expect(signer.verify(p, token + extra)).toBeNull();
        expect(signer.verify(p, extra + token)).toBeNull();
        expect(signer.verify(p, token.slice(0, -1))).toBeNull();
      }),
    );
  });

  it('a token of one purpose does not verify for another', () => {
    fc.assert(
      fc.property(purpose, purpose, payload, (p, q, value) => {
        fc.pre(p !== q);
        expect(signer.verify(q, signer.sign(p, value))).toBeNull();
      }),
    );
  });

  it('the last MAC character changed to one that decodes to the same bytes (…D6S vs …D6Q) does not verify', () => {
    const token = signer.sign('r', '12.345');
    const other = sameBytesSpelling(token);
    const mac = (t: string) => t.slice(t.lastIndexOf('.') + 1);
    expect(other).not.toBe(token);
    // the premise: both spellings are the same MAC bytes, which used to verify
    expect(Buffer.from(mac(other), 'base64url')).toEqual(Buffer.from(mac(token), 'base64url'));
    expect(signer.verify('r', token)).toBe('12.345');
    expect(signer.verify('r', other)).toBeNull();
  });

  it('a body spelled another way for the same bytes does not verify, even with its own MAC', () => {
    const body = Buffer.from('12.34', 'utf8').toString('base64url'); // 'MTIuMzQ': 2 unused bits
    const twin = sameBytesSpelling(body);
    expect(twin).not.toBe(body);
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(body, 'base64url'));
    expect(signer.verify('r', `${body}.${macOf('r', body)}`)).toBe('12.34');
    for (const other of [twin, `${body}=`, `${body.slice(0, 4)} ${body.slice(4)}`])
      expect(signer.verify('r', `${other}.${macOf('r', other)}`)).toBeNull();
  });
});
