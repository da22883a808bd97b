import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audience,
  openSendingFixture,
  type SendingFixture,
  sendTrackedMailing,
  trackingLinks,
} from '../helpers/audience.js';
import { chromiumLaunch } from '../helpers/chromium.js';
import { capturedHtmlMessage } from '../helpers/hostile-content.js';
import { admin } from '../helpers/services.js';

/**
 * The XSS and CSRF findings of the security review, replayed in a real Chromium (Debian's
 * /usr/bin/chromium, installed by .ci/run): a script in mailing content never runs where Posthorn
 * shows that content, and a page of another origin cannot make a logged-in admin's browser change
 * anything. Each attack is first shown to work where nothing protects it (a control), so a pass
 * means the protection held, not that the probe was blind.
 */
const chromiumPath = chromiumLaunch.executablePath;
const missing = existsSync(chromiumPath)
  ? null
  : `${chromiumPath} is not installed (apt-get install chromium)`;
if (missing) console.warn(`browser security tests skipped: ${missing}`);

/** Sets a flag and tries to create an admin API key, from a script and from an event handler. */
const payload = `<script>window.pwned = 'script'; fetch('/api/v1/api-keys', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'x-posthorn-csrf': '1' }, body: JSON.stringify({ name: 'pwned', role: 'admin' }) });</script><img src="/media/nothing-here-0.png" onerror="window.pwned = 'onerror'; fetch('/api/v1/api-keys?via=onerror', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' })">`;

describe.skipIf(missing !== null)('security in Chromium', () => {
  let f: SendingFixture;
  let browser: Browser;
  let base: string;
  let attacker: Server;
  let attackerBase: string;
  let viewOnline: string;
  let outboxView: string;
  let previewView: string;
  const password = 'correct horse battery staple';
  const attackerPages = new Map<string, string>();

  beforeAll(async () => {
    f = await openSendingFixture('sqlite');
    // the browser drops a session cookie that expired by its own clock
    f.clock.set(Date.now());
    const s = f.t.services;
    const { selectionId, types } = await audience(s, 1, ['News']);
    const sent = await sendTrackedMailing(s, f.workers, f.rx.received, {
      name: 'Hostile',
      selectionId,
      subscriptionTypeId: types[0] as number,
    });
    const [message] = sent.messages;
    if (!message) throw new Error('the mailing was not received');
    const { token } = await trackingLinks(message);
    await f.t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(f.t.app.server.address() as AddressInfo).port}`;

    // hostile content as it could have been stored before the content audit refused it: in the
    // cached render of the sent mailing, and in a captured outbox message
    const row = await s.db
      .selectFrom('mailings')
      .select(['rendered'])
      .where('id', '=', sent.id)
      .executeTakeFirstOrThrow();
    const cached = JSON.parse(row.rendered ?? '{}') as { html: string };
    cached.html = cached.html.replace('<body>', `<body>${payload}`);
    await s.db
      .updateTable('mailings')
      .set({ rendered: JSON.stringify(cached) })
      .where('id', '=', sent.id)
      .execute();
    const outboxId = await capturedHtmlMessage(s, `<p>Hello</p>${payload}`);
    const recipient = await s.db
      .selectFrom('recipients')
      .select('id')
      .where('mailing_id', '=', sent.id)
      .executeTakeFirstOrThrow();
    viewOnline = `${base}/t/v/${token}`;
    outboxView = `${base}/api/v1/outbox/${outboxId}/html`;
    previewView = `${base}/api/v1/mailings/${sent.id}/preview/html?recipientId=${recipient.id}`;

    await s.access.createUser({ email: 'admin@example.test', name: 'Admin', password, role: 'admin' }, admin);

    // another origin of the same site (another port), as in the review's reproduction
    attacker = createServer((req, res) => {
      const html = attackerPages.get(req.url ?? '') ?? '<p>nothing</p>';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerBase = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    const user = (email: string) => ({ email, name: 'Evil', role: 'admin', password: 'evil-password-123' });
    attackerPages.set(
      '/form-urlencoded',
      `<form method="post" action="${base}/api/v1/users"><input name="email" value="evil1@example.test"><input name="name" value="Evil"><input name="role" value="admin"><input name="password" value="evil-password-123"></form><script>document.forms[0].submit()</script>`,
    );
    attackerPages.set(
      '/form-text',
      `<form method="post" enctype="text/plain" action="${base}/api/v1/users"><input name='${JSON.stringify(user('evil2@example.test')).slice(0, -1)},"x":"' value='"}'></form><script>document.forms[0].submit()</script>`,
    );
    attackerPages.set(
      '/fetch',
      `<script>
        window.done = Promise.allSettled([
          fetch('${base}/api/v1/users', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(JSON.stringify(user('evil3@example.test')))} }),
          fetch('${base}/api/v1/users', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(JSON.stringify(user('evil4@example.test')))} }),
        ]).then(() => 'settled');
      </script>`,
    );
    attackerPages.set(
      '/control',
      `<p>Hello</p>${payload.replaceAll("'/api/v1/api-keys", `'${attackerBase}/sink`)}`,
    );

    browser = await chromium.launch(chromiumLaunch);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await f?.dispose();
  });

  /** A logged-in admin's page; every request it makes is recorded, and one to another host fails the test. */
  async function adminPage(): Promise<{ page: Page; requests: string[]; close(): Promise<void> }> {
    const context = await browser.newContext();
    const requests: string[] = [];
    const foreign: string[] = [];
    context.on('request', (r) => {
      requests.push(`${r.method()} ${r.url()}`);
      // the fixture's public URL is http://localhost:3000 (the preview's pixel): this machine too
      if (!['127.0.0.1', 'localhost'].includes(new URL(r.url()).hostname)) foreign.push(r.url());
    });
    const login = await context.request.post(`${base}/api/v1/auth/login`, {
      data: { email: 'admin@example.test', password },
    });
    expect(login.status()).toBe(200);
    const page = await context.newPage();
    return {
      page,
      requests,
      close: async () => {
        await context.close();
        expect(foreign).toEqual([]);
      },
    };
  }

  async function apiKeyCount(): Promise<number> {
    return (await f.t.services.access.listApiKeys()).length;
  }

  it('control: the probe script runs on a page that does not forbid it', async () => {
    const { page, requests, close } = await adminPage();
    await page.goto(`${attackerBase}/control`);
    await page.waitForFunction(() => (globalThis as { pwned?: string }).pwned !== undefined);
    expect(requests.some((r) => r.startsWith(`POST ${attackerBase}/sink`))).toBe(true);
    await close();
  });

  for (const [name, url] of [
    ['view online', () => viewOnline],
    ['the outbox view', () => outboxView],
    ['the HTML preview', () => previewView],
  ] as const) {
    it(`1. a script in mailing content never runs on ${name} (no flag, no request, no API key)`, async () => {
      const keys = await apiKeyCount();
      const { page, requests, close } = await adminPage();
      const response = await page.goto(url());
      expect(response?.status()).toBe(200);
      expect(await page.content()).toMatch(/Hello|Dear/);
      await page.waitForTimeout(500);
      // evaluated by the browser's debugger, which the page's policy does not bind
      expect(await page.evaluate(() => (globalThis as { pwned?: string }).pwned)).toBeUndefined();
      expect(requests.filter((r) => r.includes('/api/v1/api-keys'))).toEqual([]);
      expect(await apiKeyCount()).toBe(keys);
      await close();
    });
  }

  it('2. a cross-origin form post (urlencoded or text/plain) and a cross-origin fetch create no user', async () => {
    const users = await f.t.services.access.countUsers();
    const { page, requests, close } = await adminPage();
    const answers: number[] = [];
    page.on('response', (r) => {
      if (r.url() === `${base}/api/v1/users` && r.request().method() === 'POST') answers.push(r.status());
    });
    for (const path of ['/form-urlencoded', '/form-text']) {
      await Promise.all([
        page.waitForResponse((r) => r.url() === `${base}/api/v1/users`),
        page.goto(`${attackerBase}${path}`),
      ]);
    }
    await page.goto(`${attackerBase}/fetch`);
    expect(await page.evaluate(() => (globalThis as unknown as { done: Promise<string> }).done)).toBe(
      'settled',
    );
    await page.waitForTimeout(300);
    // the forms reached the server and were refused; the browser itself stopped the JSON fetch
    expect(answers.slice(0, 2)).toEqual([415, 415]);
    expect(requests.filter((r) => r === `POST ${base}/api/v1/users`).length).toBeGreaterThanOrEqual(2);
    expect(await f.t.services.access.countUsers()).toBe(users);
    const emails = (await f.t.services.access.listUsers(100, 0)).items.map((u) => u.email);
    expect(emails.filter((e) => e.startsWith('evil'))).toEqual([]);
    await close();
  });
});
