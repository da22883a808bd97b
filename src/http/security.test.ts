import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { capturedHtmlMessage, expectContentPolicy } from '../../test/helpers/hostile-content.js';
import { admin } from '../../test/helpers/services.js';

/**
 * The security review's findings (docs/security.md), one named test each: CSRF and media types
 * (2), test sends (3), rights escalation (4), sessions after a password change (5), reverse
 * proxies (11), and the headers of every page that shows mailing content (1).
 */
describe.each(engines)('security on %s', (engine) => {
  let t: TestApp;
  const password = 'correct horse battery staple';

  /** Logs a user in over HTTP and answers the session cookie. */
  async function login(email: string, app = t.app): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'posthorn_session');
    if (!cookie) throw new Error('no session cookie');
    return `posthorn_session=${cookie.value}`;
  }

  async function countUsers(): Promise<number> {
    return t.services.access.countUsers();
  }

  async function keyFor(rightsOfRole: Parameters<typeof t.services.access.createRole>[0]['rights']) {
    const name = `role-${Math.random().toString(36).slice(2, 8)}`;
    await t.services.access.createRole({ name, rights: rightsOfRole }, admin);
    return { role: name, key: (await t.services.access.createApiKey(name, name, admin)).key };
  }

  beforeAll(async () => {
    t = await openTestApp(engine);
    await t.services.access.createUser(
      { email: 'admin@example.test', name: 'Admin', password, role: 'admin' },
      admin,
    );
  });
  afterAll(async () => t.dispose());

  describe('2. CSRF', () => {
    it('a cross-site HTML form (form-urlencoded, text/plain) to the API is refused with 415 and creates no user', async () => {
      const cookie = await login('admin@example.test');
      const before = await countUsers();
      const bodies: Array<[string, string]> = [
        [
          'application/x-www-form-urlencoded',
          'email=evil%40example.test&name=Evil&role=admin&password=0123456789ab',
        ],
        [
          'text/plain',
          '{"email":"evil@example.test","name":"Evil","role":"admin","password":"0123456789ab"}',
        ],
        [
          'multipart/form-data; boundary=x',
          '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nx\r\n--x--\r\n',
        ],
      ];
      for (const [type, payload] of bodies) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/users',
          headers: { cookie, 'content-type': type, origin: 'http://localhost:3000' },
          payload,
        });
        expect({ type, status: res.statusCode, code: res.json().error.code }).toEqual({
          type,
          status: 415,
          code: 'UNSUPPORTED_MEDIA_TYPE',
        });
      }
      expect(await countUsers()).toBe(before);
    });

    it('a cookie-authenticated write from another origin is refused with CSRF_REFUSED; our origin and API keys pass', async () => {
      const cookie = await login('admin@example.test');
      const before = await countUsers();
      const attempt = (headers: Record<string, string>, email: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/users',
          headers: { cookie, ...headers },
          payload: { email, name: 'New', role: 'analyst' },
        });
      // another port of the same site, another site, and a client that proves nothing
      for (const headers of [
        { origin: 'http://localhost:4000', 'sec-fetch-site': 'same-site' },
        { origin: 'http://localhost:4000' },
        { 'sec-fetch-site': 'cross-site' },
        { origin: 'null' },
        {},
      ]) {
        const res = await attempt(headers, 'x@example.test');
        expect({ headers, status: res.statusCode, code: res.json().error.code }).toEqual({
          headers,
          status: 403,
          code: 'CSRF_REFUSED',
        });
      }
      expect(await countUsers()).toBe(before);
      // the UI: same origin (Sec-Fetch-Site, or Origin, or its header)
      expect((await attempt({ 'sec-fetch-site': 'same-origin' }, 'ui1@example.test')).statusCode).toBe(201);
      expect((await attempt({ origin: 'http://localhost:3000' }, 'ui2@example.test')).statusCode).toBe(201);
      expect((await attempt({ 'x-posthorn-csrf': '1' }, 'ui3@example.test')).statusCode).toBe(201);
      // reads need no proof, and an API key is never a browser's ambient credential
      expect(
        (await t.app.inject({ url: '/api/v1/users', headers: { cookie, 'sec-fetch-site': 'cross-site' } }))
          .statusCode,
      ).toBe(200);
      const byKey = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { authorization: `Bearer ${t.adminKey}`, origin: 'http://evil.example' },
        payload: { email: 'key@example.test', name: 'Key', role: 'analyst' },
      });
      expect(byKey.statusCode).toBe(201);
    });

    it('with public pages on their own host name, only the admin origin may write with the cookie', async () => {
      const split = await openTestApp(engine, {
        publicUrl: 'https://links.example.test',
        adminUrl: 'https://posthorn.example.test',
      });
      try {
        await split.services.access.createUser(
          { email: 'a@example.test', name: 'A', password, role: 'admin' },
          admin,
        );
        const cookie = await login('a@example.test', split.app);
        const attempt = (origin: string, email: string) =>
          split.app.inject({
            method: 'POST',
            url: '/api/v1/users',
            headers: { cookie, origin },
            payload: { email, name: 'New', role: 'analyst' },
          });
        const fromLinks = await attempt('https://links.example.test', 'l@example.test');
        expect(fromLinks.statusCode).toBe(403);
        expect(fromLinks.json().error.code).toBe('CSRF_REFUSED');
        expect((await attempt('https://posthorn.example.test', 'p@example.test')).statusCode).toBe(201);
        // the relays are told the public host name
        const hooks = await split.app.inject({
          url: '/api/v1/webhooks/bounces',
          headers: { authorization: `Bearer ${split.adminKey}` },
        });
        expect(hooks.json().generic.url).toBe(
          'https://links.example.test/api/v1/webhooks/bounces?provider=generic',
        );
      } finally {
        await split.dispose();
      }
    });

    it('logging in from another site is refused', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'sec-fetch-site': 'cross-site' },
        payload: { email: 'admin@example.test', password },
      });
      expect(res.statusCode).toBe(403);
      expect(res.cookies).toEqual([]);
    });

    it('the session cookie is HttpOnly and SameSite=Strict, and Secure when the public URL is https', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'admin@example.test', password },
      });
      const c = res.cookies.find((x) => x.name === 'posthorn_session');
      expect(c).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(c?.secure).toBeFalsy();
      const https = await openTestApp(engine, { publicUrl: 'https://posthorn.example' });
      try {
        await https.services.access.createUser(
          { email: 'a@example.test', name: 'A', password, role: 'admin' },
          admin,
        );
        const r = await https.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: 'a@example.test', password },
        });
        expect(r.cookies.find((x) => x.name === 'posthorn_session')).toMatchObject({
          secure: true,
          sameSite: 'Strict',
          httpOnly: true,
        });
      } finally {
        await https.dispose();
      }
    });

    it('a DELETE or POST without a body is accepted although it says application/json', async () => {
      const { apiKey } = await t.services.access.createApiKey('to-revoke', 'analyst', admin);
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/api-keys/${apiKey.id}`,
        headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(204);
    });
  });

  describe('3. test sends', () => {
    async function readyMailing(): Promise<number> {
      const m = await t.services.mailings.create({ name: 'Test me', channel: 'email' }, admin);
      await t.services.mailings.update(
        m.id,
        {
          setup: {
            subject: 'Hello',
            preheader: 'Pre',
            from: { name: 'News', address: 'news@posthorn.test' },
          },
          content: { format: 'html', source: '<html><body><p>Hello</p></body></html>' },
        },
        admin,
      );
      await t.services.mailings.chooseTemplate(m.id, { blank: true }, admin);
      return m.id;
    }

    it('a test send needs the right sendMailings: an editor without it is refused and nothing is queued', async () => {
      const id = await readyMailing();
      const editor = await keyFor(['viewCrm', 'editMailings']);
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/mailings/${id}/test-send`,
        headers: { authorization: `Bearer ${editor.key}` },
        payload: { addresses: 'someone@example.test' },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.details.right).toBe('sendMailings');
      const rows = await t.services.db
        .selectFrom('ledger')
        .select('id')
        .where('mailing_id', '=', id)
        .execute();
      expect(rows).toEqual([]);
    });

    it('a test send to a blocked address is refused and names the address', async () => {
      const id = await readyMailing();
      await t.services.db
        .insertInto('blocked_addresses')
        .values({
          address_key: 'gone@example.test',
          address: 'gone@example.test',
          channel: 'email',
          reason: 'hardBounce',
          code: '5.1.1',
          diagnostic: 'user unknown',
          blocked_at: t.services.clock.now(),
        })
        .execute();
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/mailings/${id}/test-send`,
        headers: { authorization: `Bearer ${t.adminKey}` },
        payload: { addresses: 'ok@example.test; Gone@Example.test' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'TEST_ADDRESS_BLOCKED',
        details: { blocked: [{ address: 'gone@example.test', reason: 'hardBounce' }] },
      });
    });

    it('test sends are limited per user and hour (429 TEST_SEND_RATE_LIMITED), another user is not affected', async () => {
      const id = await readyMailing();
      const a = await keyFor(['editMailings', 'sendMailings']);
      const b = await keyFor(['editMailings', 'sendMailings']);
      const send = (key: string) =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/mailings/${id}/test-send`,
          headers: { authorization: `Bearer ${key}` },
          payload: { addresses: 'me@example.test' },
        });
      for (let k = 0; k < 60; k++) expect((await send(a.key)).statusCode).toBe(202);
      const refused = await send(a.key);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('TEST_SEND_RATE_LIMITED');
      expect((await send(b.key)).statusCode).toBe(202);
    });
  });

  describe('4. rights escalation', () => {
    it('a user manager cannot create a role, a user or an API key with rights they do not hold, nor change an admin', async () => {
      const manager = await keyFor(['manageUsers', 'viewCrm']);
      const auth = { authorization: `Bearer ${manager.key}` };
      const roles = (await t.services.access.listRoles()).length;
      const users = await countUsers();
      const keys = (await t.services.access.listApiKeys()).length;

      const role = await t.app.inject({
        method: 'POST',
        url: '/api/v1/roles',
        headers: auth,
        payload: { name: 'everything', rights: ['manageUsers', 'manageSettings', 'sendMailings'] },
      });
      expect(role.statusCode).toBe(403);
      expect(role.json().error).toMatchObject({
        code: 'RIGHT_NOT_HELD',
        details: { missing: ['manageSettings', 'sendMailings'] },
      });
      const key = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: auth,
        payload: { name: 'mine now', role: 'admin' },
      });
      expect(key.statusCode).toBe(403);
      const user = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: auth,
        payload: { email: 'boss@example.test', name: 'Boss', role: 'admin', password: 'a-long-password' },
      });
      expect(user.statusCode).toBe(403);
      const adminUser = (await t.services.access.listUsers(100, 0)).items.find(
        (u) => u.email === 'admin@example.test',
      );
      const reset = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${adminUser?.id}`,
        headers: auth,
        payload: { password: 'i-own-you-now-0123' },
      });
      expect(reset.statusCode).toBe(403);
      expect(reset.json().error.code).toBe('RIGHT_NOT_HELD');
      // nothing of it was stored, and the admin still logs in with the old password
      expect((await t.services.access.listRoles()).length).toBe(roles);
      expect(await countUsers()).toBe(users);
      expect((await t.services.access.listApiKeys()).length).toBe(keys);
      await login('admin@example.test');

      // within their own rights they can still do their job
      const ok = await t.app.inject({
        method: 'POST',
        url: '/api/v1/roles',
        headers: auth,
        payload: { name: 'crm readers', rights: ['viewCrm'] },
      });
      expect(ok.statusCode).toBe(201);
      const reader = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: auth,
        payload: { email: 'reader@example.test', name: 'Reader', role: 'crm readers' },
      });
      expect(reader.statusCode).toBe(201);
      // but cannot promote that user beyond their own rights
      const promote = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${reader.json().id}`,
        headers: auth,
        payload: { role: 'admin' },
      });
      expect(promote.statusCode).toBe(403);
    });
  });

  describe('5. sessions', () => {
    it("a password change ends the user's other sessions and keeps the one that changed it", async () => {
      await t.services.access.createUser(
        { email: 'kari@example.test', name: 'Kari', password, role: 'marketer' },
        admin,
      );
      const laptop = await login('kari@example.test');
      const phone = await login('kari@example.test');
      const me = (cookie: string) => t.app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
      expect((await me(phone)).statusCode).toBe(200);
      const kari = (await me(laptop)).json().user;
      // marketers may not manage users; an admin changes Kari's password: every session ends
      const adminCookie = await login('admin@example.test');
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${kari.id}`,
        headers: { cookie: adminCookie, 'x-posthorn-csrf': '1' },
        payload: { password: 'a-brand-new-password' },
      });
      expect(res.statusCode).toBe(200);
      expect((await me(laptop)).statusCode).toBe(401);
      expect((await me(phone)).statusCode).toBe(401);
      expect((await me(adminCookie)).statusCode).toBe(200);

      // the admin changes their own password: their other sessions end, this one stays
      const other = await login('admin@example.test');
      const self = (await me(adminCookie)).json().user;
      const own = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${self.id}`,
        headers: { cookie: adminCookie, 'x-posthorn-csrf': '1' },
        payload: { password },
      });
      expect(own.statusCode).toBe(200);
      expect((await me(adminCookie)).statusCode).toBe(200);
      expect((await me(other)).statusCode).toBe(401);
    });
  });

  describe('11. behind a reverse proxy', () => {
    it('with POSTHORN_TRUST_PROXY each client has its own login rate limit, and X-Forwarded-Proto makes cookies Secure', async () => {
      const proxied = await openTestApp(engine, { trustProxy: 1, loginRatePerMinute: 3 });
      const direct = await openTestApp(engine, { loginRatePerMinute: 3 });
      try {
        const attempt = (app: TestApp, ip: string) =>
          app.app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            headers: { 'x-forwarded-for': ip, 'x-forwarded-proto': 'https' },
            payload: { email: 'nobody@example.test', password: 'wrong-password' },
          });
        for (let k = 0; k < 3; k++) expect((await attempt(proxied, '203.0.113.1')).statusCode).toBe(401);
        expect((await attempt(proxied, '203.0.113.1')).statusCode).toBe(429);
        // another client behind the same proxy still gets its own attempts
        expect((await attempt(proxied, '203.0.113.2')).statusCode).toBe(401);
        // without the setting, X-Forwarded-For is not believed: one bucket for everybody
        for (let k = 0; k < 3; k++) expect((await attempt(direct, `198.51.100.${k}`)).statusCode).toBe(401);
        expect((await attempt(direct, '198.51.100.9')).statusCode).toBe(429);

        await proxied.services.access.createUser(
          { email: 'p@example.test', name: 'P', password, role: 'analyst' },
          admin,
        );
        const ok = await proxied.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
          payload: { email: 'p@example.test', password },
        });
        expect(ok.cookies.find((c) => c.name === 'posthorn_session')?.secure).toBe(true);
      } finally {
        await proxied.dispose();
        await direct.dispose();
      }
    });
  });

  describe('1. pages that show mailing content', () => {
    it('the outbox view forbids scripts (CSP sandbox, script-src none, nosniff)', async () => {
      // a message captured before content was sanitised: the page must still run nothing
      const id = await capturedHtmlMessage(t.services, '<p>hi</p><script>parent.pwned=1</script>');
      const res = await t.app.inject({
        url: `/api/v1/outbox/${id}/html`,
        headers: { authorization: `Bearer ${t.adminKey}` },
      });
      expect(res.statusCode).toBe(200);
      expectContentPolicy(res.headers);
    });
  });
});
