import { generateKeyPairSync } from 'node:crypto';

/**
 * The headers every signature covers. `List-Unsubscribe` and `List-Unsubscribe-Post` are signed,
 * as RFC 8058 requires for one-click unsubscribe to be trusted.
 */
export const signedHeaders =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Unsubscribe:List-Unsubscribe-Post:Feedback-ID';

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
}

/** A new 2048-bit RSA key: the private key as PEM, the public key as the base64 DER a DKIM record carries. */
export function generateDkimKey(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey, publicKey: publicKey.toString('base64') };
}

/** Signs a complete message (relaxed/relaxed, rsa-sha256) and returns it with its DKIM-Signature header. */
export async function signMessage(raw: Buffer, key: DkimKey): Promise<Buffer> {
  const { default: DKIM } = await import('nodemailer/lib/dkim/index.js');
  const dkim = new DKIM({
    domainName: key.domain,
    keySelector: key.selector,
    privateKey: key.privateKey,
    headerFieldNames: signedHeaders,
  });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const out = dkim.sign(raw);
    out.on('data', (c: Buffer) => chunks.push(c));
    out.on('end', () => resolve(Buffer.concat(chunks)));
    out.on('error', reject);
  });
}

export interface DnsRecord {
  type: 'TXT';
  name: string;
  value: string;
  purpose: 'dkim' | 'spf' | 'dmarc';
}

/** The DNS records to publish for a sending domain: its DKIM key, and SPF and DMARC suggestions. */
export function dnsRecords(domain: string, selector: string, publicKey: string): DnsRecord[] {
  return [
    {
      type: 'TXT',
      name: `${selector}._domainkey.${domain}`,
      value: `v=DKIM1; k=rsa; p=${publicKey}`,
      purpose: 'dkim',
    },
    { type: 'TXT', name: domain, value: 'v=spf1 mx a ~all', purpose: 'spf' },
    {
      type: 'TXT',
      name: `_dmarc.${domain}`,
      value: `v=DMARC1; p=none; rua=mailto:dmarc@${domain}`,
      purpose: 'dmarc',
    },
  ];
}

/** The DNS look-up the domain check uses; injectable so tests need no network. */
export interface TxtResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

export interface DomainCheck {
  spf: { found: boolean; record: string | null };
  dkim: { found: boolean; matches: boolean; record: string | null };
  dmarc: { found: boolean; record: string | null; policy: string | null };
  /** What is missing, in words. */
  missing: string[];
}

async function txt(resolver: TxtResolver, name: string): Promise<string[]> {
  try {
    return (await resolver.resolveTxt(name)).map((parts) => parts.join(''));
  } catch {
    return [];
  }
}

/** Reports SPF, DKIM and DMARC as found in DNS. */
export async function checkDomain(
  resolver: TxtResolver,
  domain: string,
  selector: string,
  publicKey: string,
): Promise<DomainCheck> {
  const spf = (await txt(resolver, domain)).find((r) => /^v=spf1\b/i.test(r)) ?? null;
  const dkim =
    (await txt(resolver, `${selector}._domainkey.${domain}`)).find((r) => /(^|;)\s*p=/i.test(r)) ?? null;
  const dmarc = (await txt(resolver, `_dmarc.${domain}`)).find((r) => /^v=DMARC1\b/i.test(r)) ?? null;
  const published = dkim ? /(?:^|;)\s*p=([^;]*)/i.exec(dkim)?.[1]?.replace(/\s+/g, '') : undefined;
  const matches = published === publicKey;
  const missing: string[] = [];
  if (!spf) missing.push(`no SPF record at ${domain}`);
  if (!dkim) missing.push(`no DKIM record at ${selector}._domainkey.${domain}`);
  else if (!matches) missing.push(`the DKIM record at ${selector}._domainkey.${domain} holds another key`);
  if (!dmarc) missing.push(`no DMARC record at _dmarc.${domain}`);
  return {
    spf: { found: spf !== null, record: spf },
    dkim: { found: dkim !== null, matches, record: dkim },
    dmarc: {
      found: dmarc !== null,
      record: dmarc,
      policy: dmarc ? (/(?:^|;)\s*p=(\w+)/i.exec(dmarc)?.[1] ?? null) : null,
    },
    missing,
  };
}
