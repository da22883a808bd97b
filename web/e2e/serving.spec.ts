import { expect, test } from './fixtures.js';

/** How the server hands out the UI (src/http/server.ts, registerWebUi). */
test.describe('serving the web UI', () => {
  test('index.html for deep links: never cached, with the strict CSP', async ({ request }) => {
    for (const path of ['/', '/mailings?q=x', '/settings/users/7']) {
      const answer = await request.get(path);
      expect(answer.status(), path).toBe(200);
      expect(answer.headers()['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers()['cache-control']).toBe('no-cache');
      const csp = answer.headers()['content-security-policy'] ?? '';
      for (const directive of [
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
      ])
        expect(csp, path).toContain(directive);
      expect(await answer.text()).toContain('<div id="root"></div>');
    }
  });

  test('assets are cached for good; a missing one is a plain 404', async ({ request }) => {
    const html = await (await request.get('/')).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await request.get(script ?? '');
    expect(asset.status()).toBe(200);
    expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await request.get('/assets/nothing-here.js')).status()).toBe(404);
  });

  test('no fallback for the API, the public paths, files or other methods', async ({ request }) => {
    const api = await request.get('/api/v1/nothing-here');
    expect(api.status()).toBe(404);
    expect((await api.json()).error.code).toBe('ROUTE_NOT_FOUND');
    expect((await request.get('/t/not-a-token')).status()).toBe(404);
    for (const path of ['/f/x', '/media/x', '/hooks/x', '/favicon.ico', '/robots.txt']) {
      const answer = await request.get(path);
      expect([400, 404], path).toContain(answer.status());
      expect(await answer.text(), path).not.toContain('<div id="root">');
    }
    expect((await request.post('/mailings', { data: {} })).status()).toBe(404);
    expect((await request.get('/healthz')).status()).toBe(200);
  });
});
