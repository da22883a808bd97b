import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { admin } from '../../test/helpers/services.js';
import { rights } from '../access/index.js';
import { routeTable } from './routes/index.js';

/** A concrete URL for a route pattern (`:id` → 1). */
const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, '1');

describe.each(engines)('route table rights on %s', (engine) => {
  let t: TestApp;
  const keyWithout = new Map<string, string>();
  beforeAll(async () => {
    t = await openTestApp(engine);
    // for every right, an API key whose role has every right but that one
    for (const right of rights) {
      const role = `all-but-${right}`;
      await t.services.access.createRole({ name: role, rights: rights.filter((r) => r !== right) }, admin);
      keyWithout.set(right, (await t.services.access.createApiKey(role, role, admin)).key);
    }
  });
  afterAll(async () => t.dispose());

  it('every route declares its access, and every non-public route answers 401 without credentials', async () => {
    const guarded = routeTable.filter((r) => r.access !== 'public');
    expect(guarded.length).toBeGreaterThan(40);
    for (const r of guarded) {
      const res = await t.app.inject({
        method: r.method,
        url: concrete(r.url),
        ...(r.method === 'GET' ? {} : { payload: {} }),
      });
      expect({ route: `${r.method} ${r.url}`, status: res.statusCode }).toEqual({
        route: `${r.method} ${r.url}`,
        status: 401,
      });
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('every route with a right answers 403 to credentials that lack exactly that right', async () => {
    for (const r of routeTable) {
      if (r.access === 'public' || r.access === 'authenticated') continue;
      const res = await t.app.inject({
        method: r.method,
        url: concrete(r.url),
        headers: { authorization: `Bearer ${keyWithout.get(r.access)}` },
        ...(r.method === 'GET' ? {} : { payload: {} }),
      });
      expect({ route: `${r.method} ${r.url}`, status: res.statusCode }).toEqual({
        route: `${r.method} ${r.url}`,
        status: 403,
      });
      expect(res.json().error).toMatchObject({ code: 'FORBIDDEN', details: { right: r.access } });
    }
  });

  it('a forged, malformed or revoked key is 401', async () => {
    for (const auth of ['Bearer ph_AAAAAAAA_forgedforgedforgedforgedforgedforged', 'Bearer x', 'Basic abc']) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/persons',
        headers: { authorization: auth },
      });
      expect(res.statusCode).toBe(401);
    }
    const { apiKey, key } = await t.services.access.createApiKey('temp', 'analyst', admin);
    expect(
      (await t.app.inject({ url: '/api/v1/persons', headers: { authorization: `Bearer ${key}` } }))
        .statusCode,
    ).toBe(200);
    await t.services.access.revokeApiKey(apiKey.id, admin);
    expect(
      (await t.app.inject({ url: '/api/v1/persons', headers: { authorization: `Bearer ${key}` } }))
        .statusCode,
    ).toBe(401);
  });
});
