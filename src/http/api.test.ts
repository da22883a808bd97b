import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { multipart } from '../../test/helpers/multipart.js';
import { admin } from '../../test/helpers/services.js';

describe.each(engines)('REST API on %s', (engine) => {
  let t: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await openTestApp(engine, { bodyLimitBytes: 64 * 1024, loginRatePerMinute: 2 });
    auth = { authorization: `Bearer ${t.adminKey}` };
  });
  afterAll(async () => t.dispose());

  it('serves /healthz, /metrics, the OpenAPI document and the API docs without credentials', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', database: engine });
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('posthorn_http_requests_total');
    const doc = (await t.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/api/v1/persons/{id}');
    expect(doc.paths['/api/v1/persons'].post.requestBody).toBeDefined();
    const docs = await t.app.inject({ url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('creates, reads, updates, lists and deletes persons and companies', async () => {
    const company = await t.app.inject({
      method: 'POST',
      url: '/api/v1/companies',
      headers: auth,
      payload: { name: 'Havbris AS', city: 'Ålesund' },
    });
    expect(company.statusCode).toBe(201);
    const companyId = company.json().id;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: auth,
      payload: {
        firstName: 'Ingrid',
        lastName: 'Havbris',
        emails: ['ingrid@havbris.no'],
        mobile: '912 34 567',
        companyId,
      },
    });
    expect(created.statusCode).toBe(201);
    const person = created.json();
    expect(person).toMatchObject({
      email: 'ingrid@havbris.no',
      mobile: '+4791234567',
      companyName: 'Havbris AS',
    });
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/persons/${person.id}`,
      headers: auth,
      payload: { title: 'CEO' },
    });
    expect(patched.json()).toMatchObject({ title: 'CEO', firstName: 'Ingrid' });
    const list = await t.app.inject({ url: '/api/v1/persons?q=havb&limit=10', headers: auth });
    expect(list.json()).toMatchObject({ total: 1, items: [{ id: person.id }] });
    const ofCompany = await t.app.inject({ url: `/api/v1/companies/${companyId}/persons`, headers: auth });
    expect(ofCompany.json().total).toBe(1);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/persons/${person.id}`, headers: auth }))
        .statusCode,
    ).toBe(204);
    const gone = await t.app.inject({ url: `/api/v1/persons/${person.id}`, headers: auth });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('PERSON_NOT_FOUND');
  });

  it('bad input gets an error naming the problem, and the server keeps serving', async () => {
    const badJson = await t.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"firstName": "Kari",',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('INVALID_JSON');

    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: auth,
      payload: { firstName: 'A', shoe: 42 },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(unknown.json().error.details)).toContain('shoe');

    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: auth,
      payload: { firstName: 7 },
    });
    expect(wrongType.json().error.details.issues[0].field).toBe('firstName');

    const badEmail = await t.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: auth,
      payload: { emails: ['x@'] },
    });
    expect(badEmail.json().error).toMatchObject({ code: 'INVALID_EMAIL', details: { field: 'emails[0]' } });

    const huge = await t.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: auth,
      payload: { firstName: 'x'.repeat(100_000) },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('BODY_TOO_LARGE');

    const badId = await t.app.inject({ url: '/api/v1/persons/abc', headers: auth });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().error.details.in).toBe('params');

    expect((await t.app.inject({ url: '/api/v1/nothing', headers: auth })).json().error.code).toBe(
      'ROUTE_NOT_FOUND',
    );
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('logs in with a password, uses the session cookie, and rate-limits login attempts', async () => {
    await t.services.access.createUser(
      { email: 'anna@posthorn.test', name: 'Anna', password: 'correct horse battery', role: 'analyst' },
      admin,
    );
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'anna@posthorn.test', password: 'nope nope nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('LOGIN_FAILED');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'ANNA@posthorn.test', password: 'correct horse battery' },
    });
    expect(ok.statusCode).toBe(200);
    const cookie = ok.cookies.find((c) => c.name === 'posthorn_session');
    expect(cookie?.httpOnly).toBe(true);
    const me = await t.app.inject({
      url: '/api/v1/auth/me',
      cookies: { posthorn_session: cookie?.value ?? '' },
    });
    expect(me.json()).toMatchObject({ kind: 'user', rights: ['viewCrm', 'viewStatistics'] });
    const forbidden = await t.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      cookies: { posthorn_session: cookie?.value ?? '' },
      payload: {},
    });
    expect(forbidden.statusCode).toBe(403);
    const limited = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'anna@posthorn.test', password: 'x' },
    });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
  });

  it('imports a CSV upload with a dry run first, then for real', async () => {
    const csv = 'email;fornavn;etternavn;firma\nper@fjell.no;Per;Fjell;Fjell AS\nfeil;X;Y;\n';
    const dry = multipart({ dryRun: 'true' }, { name: 'persons.csv', content: csv });
    const r1 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...auth, ...dry.headers },
      payload: dry.payload,
    });
    expect(r1.statusCode).toBe(201);
    expect(r1.json()).toMatchObject({
      dryRun: true,
      created: 1,
      invalidCount: 1,
      invalid: [{ line: 3, field: 'email' }],
    });
    const real = multipart({}, { name: 'persons.csv', content: csv });
    const r2 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...auth, ...real.headers },
      payload: real.payload,
    });
    expect(r2.json()).toMatchObject({ dryRun: false, created: 1 });
    const stored = await t.app.inject({ url: `/api/v1/imports/${r2.json().importId}`, headers: auth });
    expect(stored.json()).toMatchObject({
      fileName: 'persons.csv',
      status: 'finished',
      created: 1,
      invalidCount: 1,
    });
    const garbage = multipart({}, { name: 'x.csv', content: Buffer.from([0, 1, 2, 3, 0]) });
    const r3 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...auth, ...garbage.headers },
      payload: garbage.payload,
    });
    expect(r3.statusCode).toBe(400);
    expect(r3.json().error.code).toBe('IMPORT_NOT_TEXT');
    const none = multipart({ dryRun: 'true' });
    const r4 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...auth, ...none.headers },
      payload: none.payload,
    });
    expect(r4.json().error.code).toBe('IMPORT_NO_FILE');
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('Persons');
    sheet.addRow(['E-mail', 'First name']);
    sheet.addRow(['xlsx@fjell.no', 'Excel']);
    const xlsx = multipart({}, { name: 'Persons.XLSX', content: Buffer.from(await wb.xlsx.writeBuffer()) });
    const r5 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...auth, ...xlsx.headers },
      payload: xlsx.payload,
    });
    expect(r5.json()).toMatchObject({ format: 'xlsx', created: 1 });
    const notMultipart = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: auth,
      payload: { file: 'x' },
    });
    expect(notMultipart.statusCode).toBe(415);
  });

  it('dynamic selections count via the API and static ones take members', async () => {
    const count = await t.app.inject({
      method: 'POST',
      url: '/api/v1/selections/count',
      headers: auth,
      payload: { criteria: { type: 'field', entity: 'person', field: 'lastName', op: 'eq', value: 'fjell' } },
    });
    expect(count.json()).toEqual({ count: 1 });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/selections',
      headers: auth,
      payload: {
        name: 'x',
        kind: 'dynamic',
        criteria: { type: 'field', entity: 'person', field: 'nope', op: 'eq', value: 1 },
      },
    });
    expect(bad.json().error).toMatchObject({
      code: 'CRITERIA_INVALID',
      details: { field: 'criteria.field' },
    });
  });

  it('the audit log records who changed what through the API', async () => {
    const log = await t.app.inject({ url: '/api/v1/audit-log?entity=person', headers: auth });
    expect(
      log
        .json()
        .items.some(
          (e: { actor: string; action: string }) =>
            e.actor === 'apiKey:test-admin' && e.action === 'person.create',
        ),
    ).toBe(true);
  });
});
