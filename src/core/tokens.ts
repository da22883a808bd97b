import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** A URL-safe random token of `bytes` bytes of entropy. */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex digest; secrets (API keys, session ids) are stored only as this. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

const base64url = /^[A-Za-z0-9_-]+$/;

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

  /**
   * The payload when the token is genuine for `purpose`, otherwise null. Only the exact spelling
   * that `sign` issues verifies: base64url decoding accepts several spellings of the same bytes
   * (the unread low bits of the last character, a trailing `=`), and whatever is keyed by the token
   * string (caches, logs, rate limits, de-duplication) must see one token as one string.
   */
  verify(purpose: string, token: string): string | null {
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    // the body must be what `sign` writes: unpadded base64url that re-encodes to itself
    if (!base64url.test(body)) return null;
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.toString('base64url') !== body) return null;
    // the MAC is compared as the string we issue, not as decoded bytes (constant-time)
    const given = Buffer.from(token.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.mac(purpose, body), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return bytes.toString('utf8');
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

/**
 * Seals stored secrets (relay and gateway passwords) with AES-256-GCM under a key derived from the
 * instance secret: the database alone does not reveal them, and a changed byte fails to open.
 */
export class Sealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the instance secret must be at least 32 characters');
    this.key = createHmac('sha256', secret).update('posthorn seal v1').digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      c.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  open(sealed: string): string {
    const [v, iv, tag, body] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
  }
}
