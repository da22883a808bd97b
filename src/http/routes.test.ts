import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { admin } from '../../test/helpers/services.js';
import { builtInRoles, rights } from '../access/index.js';
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

  it('authorization matrix: every route × every built-in role and a role without rights answers as the rights table says', async () => {
    // the expected answer is derived from the rights table, never listed by hand: a route that
    // needs a right the role lacks is 403 FORBIDDEN; every other route lets the request through
    // (whatever the handler then answers: 200, 400, 404, 409 …, but never 401 or FORBIDDEN)
    const roles: Record<string, readonly string[]> = { ...builtInRoles, 'no rights': [] };
    await t.services.access.createRole({ name: 'no rights', rights: [] }, admin);
    const mismatches: string[] = [];
    let checked = 0;
    for (const [role, held] of Object.entries(roles)) {
      const { key } = await t.services.access.createApiKey(`matrix ${role}`, role, admin);
      for (const r of routeTable) {
        if (r.access === 'public') continue;
        // a route that ends credentials or sends mail is still checked, on ids that do not exist
        const res = await t.app.inject({
          method: r.method,
          url: concrete(r.url).replace(/\/1(\/|$)/g, '/987654$1'),
          headers: { authorization: `Bearer ${key}` },
          ...(r.method === 'GET' ? {} : { payload: {} }),
        });
        const code = res.headers['content-type']?.toString().includes('json')
          ? res.json()?.error?.code
          : undefined;
        const allowed = r.access === 'authenticated' || held.includes(r.access);
        const got =
          res.statusCode === 403 && code === 'FORBIDDEN'
            ? 'forbidden'
            : res.statusCode === 401
              ? 'unauthenticated'
              : 'through';
        const want = allowed ? 'through' : 'forbidden';
        checked += 1;
        if (got !== want)
          mismatches.push(
            `${role}: ${r.method} ${r.url} needs ${r.access}: got ${res.statusCode} ${code ?? ''}, want ${want}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(4 * 140);
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
