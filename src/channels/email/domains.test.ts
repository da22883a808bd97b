// @ts-expect-error mailauth ships no types for its internals
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../../test/helpers/app.js';
import { engines } from '../../../test/helpers/databases.js';
import { admin } from '../../../test/helpers/services.js';
import { generateDkimKey, signMessage } from './dkim.js';
import { SendingDomainsService } from './domains.service.js';

const message = Buffer.from(
  [
    'From: News <news@sealed.test>',
    'To: <p@example.com>',
    'Subject: Sealed',
    'Date: Mon, 01 Jan 2024 00:00:00 +0000',
    'Message-ID: <1@sealed.test>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Signed with a key that was sealed in the database.',
    '',
  ].join('\r\n'),
);

describe.each(engines)('secrets of sending settings on %s', (engine) => {
  let t: TestApp;
  let auth: { authorization: string };
  beforeAll(async () => {
    t = await openTestApp(engine);
    auth = { authorization: `Bearer ${t.adminKey}` };
  });
  afterAll(async () => t.dispose());

  /** Signs the message with the key the sender would use and checks it against the domain's DNS record. */
  async function signsAs(domain: string): Promise<string> {
    const key = await t.services.sendingDomains.keyFor(`news@${domain}`);
    if (!key) throw new Error(`no key for ${domain}`);
    const d = await t.services.sendingDomains.byName(domain);
    const record = d.records.find((r) => r.purpose === 'dkim');
    const resolver = async (name: string) => {
      if (name === record?.name) return [[record.value]];
      throw Object.assign(new Error(`no TXT for ${name}`), { code: 'ENOTFOUND' });
    };
    const signed = await signMessage(message, key);
    const verified = await dkimVerify(signed, { resolver });
    return String(verified.results[0]?.status.result);
  }

  async function storedKey(domain: string): Promise<string> {
    const row = await t.services.db
      .selectFrom('sending_domains')
      .select('private_key')
      .where('domain', '=', domain)
      .executeTakeFirstOrThrow();
    return row.private_key;
  }

  it('DKIM private keys are stored sealed', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sending-domains',
      headers: auth,
      payload: { domain: 'sealed.test' },
    });
    expect(res.statusCode).toBe(201);
    const stored = await storedKey('sealed.test');
    expect(stored.startsWith('v1.')).toBe(true);
    expect(stored).not.toContain('PRIVATE KEY');
    // neither the key nor its sealed form is in any answer about the domain
    const listed = await t.app.inject({ url: '/api/v1/sending-domains', headers: auth });
    for (const body of [res.body, listed.body]) {
      expect(body).not.toContain('PRIVATE KEY');
      expect(body).not.toContain(stored);
      expect(body).not.toMatch(/privateKey|private_key/);
    }
    expect(await signsAs('sealed.test')).toBe('pass');
    // still sealed after it was read for signing
    expect(await storedKey('sealed.test')).toBe(stored);
  });

  it('a DKIM key stored in the clear by an earlier version still signs, and is sealed on first read', async () => {
    await t.services.sendingDomains.add({ domain: 'legacy.test' }, admin);
    const legacy = generateDkimKey();
    await t.services.db
      .updateTable('sending_domains')
      .set({ private_key: legacy.privateKey, public_key: legacy.publicKey })
      .where('domain', '=', 'legacy.test')
      .execute();
    expect(await signsAs('legacy.test')).toBe('pass');
    const stored = await storedKey('legacy.test');
    expect(stored.startsWith('v1.')).toBe(true);
    expect(stored).not.toContain('PRIVATE KEY');
    expect(await signsAs('legacy.test')).toBe('pass');
    const sender = await t.services.sendingDomains.validatedSender('news@legacy.test');
    expect(sender.key?.privateKey).toBe(legacy.privateKey);
  });

  it('keys stored in the clear are sealed at start (sealLegacyKeys), and still sign', async () => {
    await t.services.sendingDomains.add({ domain: 'sweep.test' }, admin);
    const legacy = generateDkimKey();
    await t.services.db
      .updateTable('sending_domains')
      .set({ private_key: legacy.privateKey, public_key: legacy.publicKey })
      .where('domain', '=', 'sweep.test')
      .execute();
    expect(await t.services.sendingDomains.sealLegacyKeys()).toBeGreaterThanOrEqual(1);
    expect((await storedKey('sweep.test')).startsWith('v1.')).toBe(true);
    expect(await t.services.sendingDomains.sealLegacyKeys()).toBe(0);
    expect(await signsAs('sweep.test')).toBe('pass');
  });

  it('a sealed DKIM key under another instance secret is refused naming the domain, not the key', async () => {
    const other = new SendingDomainsService(
      t.services.db,
      t.services.clock,
      t.services.access,
      { resolveTxt: async () => [] },
      'another-instance-secret-that-is-long-enough-0123',
    );
    await expect(other.keyFor('news@sealed.test')).rejects.toThrow(
      /the DKIM key of sealed\.test does not open with this instance secret/,
    );
  });

  it('e-mail account and SMS gateway answers never carry passwords or keys', async () => {
    const account = await t.app.inject({
      method: 'POST',
      url: '/api/v1/email-accounts',
      headers: auth,
      payload: { name: 'Relay', host: 'relay.example.com', username: 'u', password: 'secretpw' },
    });
    expect(account.statusCode).toBe(201);
    expect(account.json()).toMatchObject({ username: 'u', hasPassword: true });
    const gateways = [
      { kind: 'smpp', name: 'SMPP', host: 'smpp.example.com', systemId: 'sys', password: 'secretpw' },
      {
        kind: 'http',
        name: 'HTTP',
        url: 'https://u:secretpw@sms.example.com/send?apikey=secretpw&to=x',
        fields: { key: 'secretpw', to: '{{toDigits}}', text: '{{text}}' },
        headers: { Authorization: 'Bearer secretpw' },
      },
    ];
    for (const payload of gateways) {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/sms-gateways', headers: auth, payload });
      expect(r.statusCode).toBe(201);
      expect(r.body).not.toContain('secretpw');
    }
    const bodies = await Promise.all(
      ['/api/v1/email-accounts', '/api/v1/sms-gateways'].map(
        async (url) => (await t.app.inject({ url, headers: auth })).body,
      ),
    );
    for (const body of [account.body, ...bodies]) expect(body).not.toContain('secretpw');
    // what is hidden is still recognisable: the host, the query names, the templated fields
    const http = (
      JSON.parse(bodies[1] ?? '{}') as { items: Array<{ name: string; settings: unknown }> }
    ).items.find((g) => g.name === 'HTTP');
    expect(http?.settings).toMatchObject({
      url: 'https://u:***@sms.example.com/send?apikey=***&to=***',
      fields: { key: '(set, hidden)', to: '{{toDigits}}', text: '{{text}}' },
      headers: ['Authorization'],
    });
  });
});
