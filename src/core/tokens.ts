import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe random token of `bytes` bytes of entropy. */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex digest; secrets (API keys, session ids) are stored only as this. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Signs and verifies compact URL-safe tokens with HMAC-SHA256. The payload is carried in the clear
 * (base64url) and must hold no personal data; verification is constant-time.
 */
export class TokenSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the HMAC secret must be at least 32 characters');
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(purpose: string, payload: string): string {
    const body = Buffer.from(payload, 'utf8').toString('base64url');
    return `${body}.${this.mac(purpose, body)}`;
  }

  /** The payload when the token is genuine for `purpose`, otherwise null. */
  verify(purpose: string, token: string): string | null {
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(purpose, body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return Buffer.from(body, 'base64url').toString('utf8');
  }

  private mac(purpose: string, body: string): string {
    return createHmac('sha256', this.key)
      .update(purpose)
      .update('\0')
      .update(body)
      .digest('base64url')
      .slice(0, 22);
  }
}
