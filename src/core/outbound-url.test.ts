import { createServer } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp } from '../../test/helpers/app.js';
import { engines, openTestDatabase, type TestDatabase } from '../../test/helpers/databases.js';
import { insertPersons } from '../../test/helpers/persons.js';
import { admin } from '../../test/helpers/services.js';
import { startWorkers } from '../app.js';
import { buildServices, type ServiceOptions, type Services } from '../services.js';
import { ManualClock } from './clock.js';
import {
  OutboundAddressRefused,
  OutboundGuard,
  pinnedLookup,
  type Resolve,
  refusedReason,
} from './outbound-url.js';

/** A resolver with fixed answers, so no test depends on the network's DNS. */
function fixedDns(answers: Record<string, string[]>): Resolve {
  return async (host) => {
    const list = answers[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** What a `lookup` answers, as a promise. */
function lookupOf(lookup: LookupFunction, host: string, all: boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    lookup(host, { all }, (err, address, family) =>
      err ? reject(err) : resolve(all ? address : { address, family }),
    );
  });
}

describe('outbound addresses', () => {
  const guard = new OutboundGuard();
  const refusedAll = (addresses: string[], why: RegExp) => {
    for (const a of addresses) {
      expect(guard.refusal(a), a).toMatch(why);
      expect(() => guard.checkUrl(`http://${a.includes(':') ? `[${a}]` : a}:8080/send`, 'url'), a).toThrow(
        expect.objectContaining({
          code: 'URL_NOT_ALLOWED',
          details: expect.objectContaining({ field: 'url' }),
        }),
      );
    }
  };

  it('refuses IPv4 loopback 127.0.0.0/8', () => refusedAll(['127.0.0.1', '127.255.255.254'], /loopback/));
  it('refuses 0.0.0.0/8', () => refusedAll(['0.0.0.0', '0.1.2.3'], /this network/));
  it('refuses the private 10.0.0.0/8', () => refusedAll(['10.0.0.1', '10.255.255.255'], /private/));
  it('refuses the private 172.16.0.0/12', () => refusedAll(['172.16.0.1', '172.31.255.255'], /private/));
  it('refuses the private 192.168.0.0/16', () => refusedAll(['192.168.0.1', '192.168.255.255'], /private/));
  it('refuses link-local 169.254.0.0/16', () => refusedAll(['169.254.0.1', '169.254.255.255'], /link-local/));
  it('refuses the metadata address 169.254.169.254', () => refusedAll(['169.254.169.254'], /metadata/));
  it('refuses carrier-grade NAT 100.64.0.0/10', () => refusedAll(['100.64.0.1', '100.127.255.255'], /NAT/));
  it('refuses IPv4 multicast and the reserved range with broadcast', () => {
    refusedAll(['224.0.0.1', '239.255.255.255'], /multicast/);
    refusedAll(['240.0.0.1', '255.255.255.255'], /reserved/);
  });
  it('refuses IPv6 loopback ::1 and the unspecified ::', () => {
    refusedAll(['::1', '0:0:0:0:0:0:0:1'], /loopback/);
    refusedAll(['::'], /unspecified/);
  });
  it('refuses IPv6 unique local fc00::/7', () =>
    refusedAll(['fc00::1', 'fd12:3456::1', 'fd00:ec2::254'], /private/));
  it('refuses IPv6 link-local fe80::/10', () => refusedAll(['fe80::1', 'febf::1'], /link-local/));
  it('refuses IPv6 multicast ff00::/8', () => refusedAll(['ff02::1', 'ff0e::1'], /multicast/));
  it('refuses IPv4-mapped IPv6 of loopback, private and metadata addresses', () => {
    refusedAll(['::ffff:127.0.0.1', '::ffff:7f00:1'], /loopback/);
    refusedAll(['::ffff:10.1.2.3', '::ffff:192.168.1.1', '::ffff:ac10:1'], /private/);
    refusedAll(['::ffff:169.254.169.254', '::ffff:a9fe:a9fe'], /metadata/);
  });
  it('refuses IPv4-compatible IPv6 and NAT64 addresses of refused IPv4 ones', () => {
    refusedAll(['::7f00:1', '::10.0.0.1'], /IPv4-compatible/);
    refusedAll(['64:ff9b::7f00:1', '64:ff9b::127.0.0.1'], /loopback \(through NAT64\)/);
    expect(refusedReason('64:ff9b::808:808')).toBeNull();
  });
  it('refuses the other spellings of 127.0.0.1 a URL may have', () => {
    for (const url of [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://127.1:80/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      expect(() => guard.checkUrl(url, 'url'), url).toThrow(
        expect.objectContaining({ code: 'URL_NOT_ALLOWED' }),
      );
    }
  });
  it('admits public addresses, also right next to the refused ranges', () => {
    for (const a of [
      '8.8.8.8',
      '1.1.1.1',
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '192.167.255.255',
      '192.169.0.0',
      '169.253.255.255',
      '223.255.255.255',
      '2001:4860:4860::8888',
      '2a00:1450::1',
      '::ffff:8.8.8.8',
      'fbff::1',
    ]) {
      expect(guard.refusal(a), a).toBeNull();
    }
    expect(() => guard.checkUrl('https://sms.example.com/send?key=1', 'url')).not.toThrow();
    expect(() => guard.checkUrl('https://8.8.8.8/send', 'url')).not.toThrow();
  });

  it('a host name that resolves to 127.0.0.1 is refused', async () => {
    // localhost through the system resolver, and refused already in the settings
    await expect(guard.pin('localhost')).rejects.toBeInstanceOf(OutboundAddressRefused);
    await expect(guard.pin('localhost')).rejects.toThrow(
      /localhost resolves to (127\.0\.0\.1|::1), which is loopback/,
    );
    expect(() => guard.checkUrl('http://localhost:3000/', 'url')).toThrow(
      expect.objectContaining({ code: 'URL_NOT_ALLOWED' }),
    );
    expect(() => guard.checkUrl('http://api.localhost/', 'url')).toThrow(
      expect.objectContaining({ code: 'URL_NOT_ALLOWED' }),
    );
    // any name: one private answer among public ones refuses it
    const dns = new OutboundGuard(
      [],
      fixedDns({ 'sms.example': ['127.0.0.1'], 'mixed.example': ['8.8.8.8', '10.0.0.1'] }),
    );
    await expect(dns.pin('sms.example')).rejects.toMatchObject({
      code: 'URL_NOT_ALLOWED',
      address: '127.0.0.1',
      reason: 'loopback',
    });
    await expect(dns.pin('mixed.example')).rejects.toMatchObject({ address: '10.0.0.1' });
    // the lookup for node's http refuses through its callback, in both of its forms
    await expect(lookupOf(dns.lookup, 'sms.example', false)).rejects.toBeInstanceOf(OutboundAddressRefused);
    await expect(lookupOf(dns.lookup, 'sms.example', true)).rejects.toBeInstanceOf(OutboundAddressRefused);
  });

  it('the connection goes to the address that was checked, whatever DNS answers next', async () => {
    // DNS rebinding: a public answer to the check, loopback to any later look-up
    let calls = 0;
    const rebinding: Resolve = async () => [
      { address: calls++ === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 },
    ];
    const guarded = new OutboundGuard([], rebinding);
    const pinned = await guarded.pin('rebind.example');
    expect(pinned.address).toBe('93.184.215.14');
    const lookup = pinnedLookup(pinned);
    expect(await lookupOf(lookup, 'rebind.example', false)).toEqual({ address: '93.184.215.14', family: 4 });
    expect(await lookupOf(lookup, 'rebind.example', true)).toEqual([{ address: '93.184.215.14', family: 4 }]);
    // and the guard's own lookup checks every time: the second answer is refused
    await expect(lookupOf(guarded.lookup, 'rebind.example', false)).rejects.toMatchObject({
      address: '127.0.0.1',
    });
  });

  it('the allow list admits a listed host, address or CIDR', async () => {
    const allowed = new OutboundGuard(
      ['127.0.0.1', '10.0.0.0/8', 'fd00::/8', 'sms.internal', '[::1]'],
      fixedDns({ 'sms.internal': ['192.168.7.7'], 'other.internal': ['192.168.7.8'] }),
    );
    expect(allowed.refusal('127.0.0.1')).toBeNull();
    expect(allowed.refusal('127.0.0.2')).toBe('loopback');
    expect(allowed.refusal('::1')).toBeNull();
    expect(allowed.refusal('10.20.30.40')).toBeNull();
    expect(allowed.refusal('::ffff:10.20.30.40')).toBeNull();
    expect(allowed.refusal('fd12::1')).toBeNull();
    expect(allowed.refusal('fc00::1')).toMatch(/private/);
    expect(allowed.refusal('192.168.7.7')).toMatch(/private/);
    expect(allowed.refusal('169.254.169.254')).toMatch(/metadata/);
    expect(() => allowed.checkUrl('http://127.0.0.1:9000/send', 'url')).not.toThrow();
    expect(() => allowed.checkUrl('http://10.1.1.1/send', 'url')).not.toThrow();
    expect(() => allowed.checkUrl('http://192.168.1.1/send', 'url')).toThrow(
      expect.objectContaining({ code: 'URL_NOT_ALLOWED' }),
    );
    // a listed name may resolve to anything; another name to the same kind of address may not
    expect(await allowed.pin('SMS.internal.')).toEqual({ address: '192.168.7.7', family: 4 });
    await expect(allowed.pin('other.internal')).rejects.toMatchObject({ reason: 'a private network' });
    // a listed localhost passes the settings check too
    expect(() => new OutboundGuard(['localhost']).checkUrl('http://localhost:8080/', 'url')).not.toThrow();
    expect(() => new OutboundGuard(['10.0.0.0/33'])).toThrow(/not a CIDR/);
  });
});

describe.each(engines)('the HTTP SMS gateway and private addresses on %s', (engine) => {
  let database: TestDatabase;
  /** The same instance twice: with 127.0.0.1 on its allow list, and without any. */
  let allowed: Services;
  let strict: Services;
  let selectionId: number;
  const clock = new ManualClock();
  const n = 3;
  const mobile = (i: number) => `+4792${String(i).padStart(6, '0')}`;
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ok"}');
    });
  });
  let port: number;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    const options: ServiceOptions = {
      clock,
      defaultCountry: 'NO',
      sessionTtlMs: 3_600_000,
      importBatchSize: 100,
      importMaxBytes: 1024 * 1024,
      dataDir:
        database.target.engine === 'sqlite'
          ? `${database.target.file}.data`
          : `/tmp/posthorn-test-${process.pid}`,
      secret: 'outbound-test-secret-that-is-long-enough-0123456789',
    };
    strict = buildServices(database, options);
    allowed = buildServices(database, { ...options, allowPrivateUrls: ['127.0.0.1'] });
    await allowed.access.ensureBuiltInRoles();
    await allowed.templates.ensureStarters();
    await allowed.settings.update({ privacyFilter: false }, admin);
    const ids = await insertPersons(
      allowed.db,
      n,
      (i) => `o${i}@example.test`,
      (i) => [`Ola${i}`, `Nordmann${i}`],
      (i) => ({ mobile: mobile(i) }),
    );
    const sel = await allowed.selections.create({ name: 'Mobiles', kind: 'static' }, admin);
    selectionId = sel.id;
    await allowed.selections.addMembers(sel.id, ids, admin);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await database.dispose();
  });

  async function sendWith(s: Services): Promise<number> {
    const m = await s.mailings.create({ name: 'Reminder', channel: 'sms' }, admin);
    await s.mailings.update(
      m.id,
      { selectionId, setup: { sender: 'Posthorn' }, content: { text: 'Hi' } },
      admin,
    );
    await s.mailings.chooseTemplate(m.id, { blank: true }, admin);
    await s.recipients.build(m.id, admin);
    const workers = startWorkers(s, {
      secret: 'x'.repeat(40),
      publicUrl: 'https://m.test',
      bounceDomain: 'b.test',
      run: false,
      smtpPoolSize: 1,
    });
    try {
      await s.sending.send(m.id, admin);
      for (let k = 0; k < 100; k++) if ((await workers.worker.tick()) === 0) break;
    } finally {
      await workers.stop();
    }
    return m.id;
  }

  it('a gateway on 127.0.0.1 is refused in the settings, never reached without the allow list, and used with it', async () => {
    const gateway = {
      kind: 'http',
      name: 'local',
      url: `http://127.0.0.1:${port}/send`,
      fields: { to: '{{to}}' },
    };
    await expect(strict.smsGateways.create(gateway as never, admin)).rejects.toMatchObject({
      code: 'URL_NOT_ALLOWED',
      details: { field: 'url', host: '127.0.0.1', reason: 'loopback' },
    });
    // set up while the allow list had it (or before the guard): the send checks again
    await allowed.smsGateways.create(gateway as never, admin);

    const refusedId = await sendWith(strict);
    expect(received).toHaveLength(0);
    const rows = await strict.db
      .selectFrom('ledger')
      .selectAll()
      .where('mailing_id', '=', refusedId)
      .execute();
    expect(rows).toHaveLength(n);
    for (const r of rows) {
      expect(r).toMatchObject({ state: 'failed', last_code: 'URL_NOT_ALLOWED', attempts: 1 });
      expect(r.last_error).toMatch(/127\.0\.0\.1 is loopback.*POSTHORN_ALLOW_PRIVATE_URLS/);
    }
    expect((await strict.recipients.summary(refusedId)).byStatus).toMatchObject({ failed: n });

    const sentId = await sendWith(allowed);
    expect(received).toHaveLength(n);
    const sent = await allowed.db.selectFrom('ledger').selectAll().where('mailing_id', '=', sentId).execute();
    expect(sent.map((r) => r.state)).toEqual(Array(n).fill('sent'));
    expect((await allowed.recipients.summary(sentId)).byStatus).toMatchObject({ sent: n });
  });
});

describe('the SMS gateway settings over the API', () => {
  it('answer 400 URL_NOT_ALLOWED naming the field for a private gateway URL', async () => {
    const t = await openTestApp('sqlite');
    try {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/sms-gateways',
        headers: { authorization: `Bearer ${t.adminKey}` },
        payload: { kind: 'http', name: 'meta', url: 'http://169.254.169.254/latest/meta-data/', fields: {} },
      });
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toMatchObject({
        code: 'URL_NOT_ALLOWED',
        details: { field: 'url', reason: 'the cloud metadata service' },
      });
      expect(await t.services.smsGateways.list()).toEqual([]);
    } finally {
      await t.dispose();
    }
  });
});
