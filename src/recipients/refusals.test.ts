import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { multipart } from '../../test/helpers/multipart.js';
import { admin } from '../../test/helpers/services.js';
import { routeTable } from '../http/routes/index.js';

/**
 * Issue 12 part 3, "a refused request changes nothing": every route that changes a mailing's
 * recipients (the route table's mutating entries under /api/v1/mailings/:id/recipient…, and the
 * PATCH of a mailing, which rebuilds the list) is sent every refusal we can provoke, and the
 * tables a recipient change writes must be byte-for-byte the same afterwards — a scheduled
 * mailing stays scheduled, a refused source is not kept for the next "Update list".
 */
const snapshotTables = [
  ['recipients', ['id']],
  ['recipient_counts', ['mailing_id', 'status', 'reason']],
  ['mailing_sources', ['id']],
  ['mailing_source_persons', ['source_id', 'person_id']],
  ['mailing_import_rows', ['id']],
  ['mailings', ['id']],
  ['audit_log', ['id']],
] as const;

type Who = 'admin' | 'marketer';

interface Refusal {
  name: string;
  who: Who;
  /** The request, given the fixture's ids (made when the test runs, after the set-up). */
  request: () => InjectOptions | Promise<InjectOptions>;
  status: number;
  code: string;
}

describe.each(engines)('a refused recipient request changes nothing, on %s', (engine) => {
  let t: TestApp;
  let marketerKey: string;
  const ids = {
    /** Draft e-mail mailing, admin set override consent, list built, a project and a persons source added. */
    override: 0,
    /** The same, but scheduled. */
    overrideScheduled: 0,
    /** A scheduled e-mail mailing without override (a refused change must leave it scheduled). */
    scheduled: 0,
    /** A mailing that is sending. */
    sending: 0,
    document: 0,
    form: 0,
    selection: 0,
    unreadable: 0,
    project: 0,
    person: 0,
    /** Sources of `override` and `scheduled`. */
    overrideSource: 0,
    scheduledSource: 0,
    sendingSource: 0,
    /** A mailing whose added selection's criteria became unreadable after it was added. */
    broken: 0,
  };

  const auth = (who: Who) => ({ authorization: `Bearer ${who === 'admin' ? t.adminKey : marketerKey}` });

  async function snapshot(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const [table, order] of snapshotTables) {
      let q = t.services.db.selectFrom(table).selectAll();
      for (const column of order) q = q.orderBy(column);
      out[table] = await q.execute();
    }
    return out;
  }

  beforeAll(async () => {
    t = await openTestApp(engine);
    const s = t.services;
    marketerKey = (await s.access.createApiKey('marketer', 'marketer', admin)).key;
    const news = (await s.preferences.createSubscriptionType({ name: 'News' }, admin)).id;
    const persons: number[] = [];
    for (const [i, email] of ['ann@example.no', 'bo@example.no', 'cy@example.no'].entries()) {
      const p = await s.persons.create({ firstName: `P${i}`, lastName: 'Test', emails: [email] }, admin);
      await s.preferences.recordConsent(
        p.id,
        { purpose: 'emarketing', legalBasis: 'consent', source: 'test' },
        admin,
      );
      persons.push(p.id);
    }
    ids.person = persons[0] as number;
    const selection = await s.selections.create({ name: 'All', kind: 'static' }, admin);
    await s.selections.addMembers(selection.id, persons, admin);
    ids.selection = selection.id;
    ids.project = (await s.projects.create({ name: 'Fair' }, admin)).id;
    await s.projects.addMembers(ids.project, { personIds: [persons[1] as number] }, admin);
    // a selection whose stored criteria cannot be read (written by hand)
    ids.unreadable = (
      await s.db
        .insertInto('selections')
        .values({
          name: 'Unreadable',
          description: null,
          kind: 'dynamic',
          member_type: 'persons',
          criteria: '{"type":"nonsense"',
          created_by: null,
          created_at: 1,
          updated_at: 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;

    const email = async (name: string, options: Record<string, boolean> = {}) => {
      const m = await s.mailings.create({ name, channel: 'email' }, admin);
      await s.mailings.update(
        m.id,
        { selectionId: ids.selection, subscriptionTypeId: news, recipientOptions: options },
        admin,
      );
      const src = await s.recipients.addSource(m.id, { kind: 'project', projectId: ids.project }, admin);
      await s.recipients.addSource(m.id, { kind: 'persons', personIds: [persons[2] as number] }, admin);
      return { id: m.id, source: src.id as number };
    };
    const schedule = (id: number) =>
      s.db
        .updateTable('mailings')
        .set({ state: 'scheduled', scheduled_at: 4_102_444_800_000 })
        .where('id', '=', id)
        .execute();
    ({ id: ids.override, source: ids.overrideSource } = await email('Override', { overrideConsent: true }));
    ({ id: ids.overrideScheduled } = await email('Override scheduled', { overrideConsent: true }));
    await schedule(ids.overrideScheduled);
    ({ id: ids.scheduled, source: ids.scheduledSource } = await email('Scheduled'));
    await schedule(ids.scheduled);
    ({ id: ids.sending, source: ids.sendingSource } = await email('Sending'));
    await s.db.updateTable('mailings').set({ state: 'sending' }).where('id', '=', ids.sending).execute();
    ids.document = (await s.mailings.create({ name: 'Letter', channel: 'document' }, admin)).id;
    ids.form = (await s.mailings.create({ name: 'Form', channel: 'formResponse' }, admin)).id;
    // a dynamic selection added as a source, then its criteria damaged by hand
    const dynamic = await s.selections.create(
      {
        name: 'Dynamic',
        kind: 'dynamic',
        criteria: { type: 'field', entity: 'person', field: 'firstName', op: 'eq', value: 'P0' },
      },
      admin,
    );
    ({ id: ids.broken } = await email('Broken'));
    await s.recipients.addSource(ids.broken, { kind: 'selection', selectionId: dynamic.id }, admin);
    await schedule(ids.broken);
    await s.db
      .updateTable('selections')
      .set({ criteria: '{"type":"nonsense"' })
      .where('id', '=', dynamic.id)
      .execute();
  });
  afterAll(async () => t.dispose());

  const json = (method: 'POST' | 'PATCH' | 'DELETE', url: () => string, payload?: unknown) => () => ({
    method,
    url: url(),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  const file = (url: () => string, name: string, content: string | Buffer) => () => ({
    method: 'POST' as const,
    url: url(),
    ...multipart({}, { name, content }),
  });
  const sources = (id: () => number) => () => `/api/v1/mailings/${id()}/recipient-sources`;

  /** Every refusal per route; the route table decides which routes must be here. */
  const refusals: Record<string, Refusal[]> = {
    'POST /api/v1/mailings/:id/recipient-sources': [
      {
        name: 'a selection source added to a mailing that overrides consent, without the right (scheduled)',
        who: 'marketer',
        request: json(
          'POST',
          sources(() => ids.overrideScheduled),
          { kind: 'selection', selectionId: 1 },
        ),
        status: 403,
        code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
      },
      {
        name: 'a project source without the right',
        who: 'marketer',
        request: json(
          'POST',
          sources(() => ids.override),
          { kind: 'project', projectId: 1 },
        ),
        status: 403,
        code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
      },
      {
        name: 'picked persons without the right',
        who: 'marketer',
        request: json(
          'POST',
          sources(() => ids.override),
          { kind: 'persons', personIds: [1] },
        ),
        status: 403,
        code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
      },
      {
        name: 'a file without the right',
        who: 'marketer',
        request: file(
          sources(() => ids.overrideScheduled),
          'list.csv',
          'new@example.no\n',
        ),
        status: 403,
        code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
      },
      {
        name: 'a selection that does not exist (scheduled mailing)',
        who: 'admin',
        request: json(
          'POST',
          sources(() => ids.scheduled),
          { kind: 'selection', selectionId: 987_654 },
        ),
        status: 404,
        code: 'SELECTION_NOT_FOUND',
      },
      {
        name: 'a project that does not exist (scheduled mailing)',
        who: 'admin',
        request: json(
          'POST',
          sources(() => ids.scheduled),
          { kind: 'project', projectId: 987_654 },
        ),
        status: 404,
        code: 'PROJECT_NOT_FOUND',
      },
      {
        name: 'picked persons of which one does not exist (scheduled mailing)',
        who: 'admin',
        request: () =>
          json(
            'POST',
            sources(() => ids.scheduled),
            { kind: 'persons', personIds: [ids.person, 987_654] },
          )(),
        status: 404,
        code: 'PERSON_NOT_FOUND',
      },
      {
        name: 'a selection whose criteria cannot be read',
        who: 'admin',
        request: () =>
          json(
            'POST',
            sources(() => ids.scheduled),
            { kind: 'selection', selectionId: ids.unreadable },
          )(),
        status: 409,
        code: 'SELECTION_CRITERIA_UNREADABLE',
      },
      {
        name: 'a mailing whose list cannot be built (an added selection became unreadable)',
        who: 'admin',
        request: () =>
          json(
            'POST',
            sources(() => ids.broken),
            { kind: 'persons', personIds: [ids.person] },
          )(),
        status: 409,
        code: 'SELECTION_CRITERIA_UNREADABLE',
      },
      {
        name: 'a mailing that is sending',
        who: 'admin',
        request: () =>
          json(
            'POST',
            sources(() => ids.sending),
            { kind: 'persons', personIds: [ids.person] },
          )(),
        status: 409,
        code: 'MAILING_NOT_EDITABLE',
      },
      {
        name: 'a file to a mailing that is sending',
        who: 'admin',
        request: file(
          sources(() => ids.sending),
          'list.csv',
          'new@example.no\n',
        ),
        status: 409,
        code: 'MAILING_NOT_EDITABLE',
      },
      {
        name: 'a file that is not text',
        who: 'admin',
        request: file(
          sources(() => ids.scheduled),
          'list.csv',
          Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x01]),
        ),
        status: 400,
        code: 'FILE_NOT_TEXT',
      },
      {
        name: 'a file for a letter (no file import)',
        who: 'admin',
        request: file(
          sources(() => ids.document),
          'list.csv',
          'new@example.no\n',
        ),
        status: 400,
        code: 'CHANNEL_CAPABILITY_MISSING',
      },
      {
        name: 'a source for a form response (no sources)',
        who: 'admin',
        request: () =>
          json(
            'POST',
            sources(() => ids.form),
            { kind: 'persons', personIds: [ids.person] },
          )(),
        status: 400,
        code: 'CHANNEL_CAPABILITY_MISSING',
      },
      {
        name: 'an unknown kind of source',
        who: 'admin',
        request: json(
          'POST',
          sources(() => ids.scheduled),
          { kind: 'everyone' },
        ),
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'a mailing that does not exist',
        who: 'admin',
        request: json('POST', () => '/api/v1/mailings/987654/recipient-sources', {
          kind: 'persons',
          personIds: [1],
        }),
        status: 404,
        code: 'MAILING_NOT_FOUND',
      },
    ],
    'DELETE /api/v1/mailings/:id/recipient-sources/:subId': [
      {
        name: 'removing a source of a mailing that overrides consent, without the right',
        who: 'marketer',
        request: () => json('DELETE', () => `${sources(() => ids.override)()}/${ids.overrideSource}`)(),
        status: 403,
        code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
      },
      {
        name: 'a source that does not exist (scheduled mailing)',
        who: 'admin',
        request: json('DELETE', () => `${sources(() => ids.scheduled)()}/987654`),
        status: 404,
        code: 'SOURCE_NOT_FOUND',
      },
      {
        name: "another mailing's source (scheduled mailing)",
        who: 'admin',
        request: () => json('DELETE', () => `${sources(() => ids.scheduled)()}/${ids.overrideSource}`)(),
        status: 404,
        code: 'SOURCE_NOT_FOUND',
      },
      {
        name: 'a source of a mailing whose list cannot be built',
        who: 'admin',
        request: async () => {
          const [, added] = await t.services.recipients.listSources(ids.broken);
          return json('DELETE', () => `${sources(() => ids.broken)()}/${added?.id}`)();
        },
        status: 409,
        code: 'SELECTION_CRITERIA_UNREADABLE',
      },
      {
        name: 'a source of a mailing that is sending',
        who: 'admin',
        request: () => json('DELETE', () => `${sources(() => ids.sending)()}/${ids.sendingSource}`)(),
        status: 409,
        code: 'MAILING_NOT_EDITABLE',
      },
    ],
    'POST /api/v1/mailings/:id/recipients/refresh': [
      {
        name: '"Update list" of a mailing that overrides consent, without the right (scheduled)',
        who: 'marketer',
        request: json('POST', () => `/api/v1/mailings/${ids.overrideScheduled}/recipients/refresh`),
        status: 403,
        code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
      },
      {
        name: '"Update list" of a mailing that is sending (its list has history)',
        who: 'admin',
        request: json('POST', () => `/api/v1/mailings/${ids.sending}/recipients/refresh`),
        status: 409,
        code: 'MAILING_NOT_EDITABLE',
      },
      {
        name: '"Update list" with a selection that became unreadable',
        who: 'admin',
        request: json('POST', () => `/api/v1/mailings/${ids.broken}/recipients/refresh`),
        status: 409,
        code: 'SELECTION_CRITERIA_UNREADABLE',
      },
      {
        name: '"Update list" of a form response (no list)',
        who: 'admin',
        request: json('POST', () => `/api/v1/mailings/${ids.form}/recipients/refresh`),
        status: 400,
        code: 'CHANNEL_CAPABILITY_MISSING',
      },
    ],
    'PATCH /api/v1/mailings/:id': [
      {
        name: 'override consent set without the right (scheduled)',
        who: 'marketer',
        request: json('PATCH', () => `/api/v1/mailings/${ids.scheduled}`, {
          recipientOptions: { overrideConsent: true },
        }),
        status: 403,
        code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
      },
      {
        name: 'a new selection for a mailing that overrides consent, without the right (scheduled)',
        who: 'marketer',
        request: () =>
          json('PATCH', () => `/api/v1/mailings/${ids.overrideScheduled}`, { selectionId: ids.selection })(),
        status: 403,
        code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
      },
      {
        name: 'another subscription type for a mailing that overrides consent, without the right',
        who: 'marketer',
        request: json('PATCH', () => `/api/v1/mailings/${ids.override}`, { subscriptionTypeId: null }),
        status: 403,
        code: 'OVERRIDE_CONSENT_NOT_ALLOWED',
      },
      {
        name: 'a selection that does not exist',
        who: 'admin',
        request: json('PATCH', () => `/api/v1/mailings/${ids.override}`, { selectionId: 987_654 }),
        status: 404,
        code: 'SELECTION_NOT_FOUND',
      },
      {
        name: 'a mailing that is sending',
        who: 'admin',
        request: () => json('PATCH', () => `/api/v1/mailings/${ids.sending}`, { projectId: ids.project })(),
        status: 409,
        code: 'MAILING_NOT_EDITABLE',
      },
    ],
  };

  it('every mutating recipients route (and PATCH of a mailing) has its refusals here', () => {
    const mutating = routeTable
      .filter(
        (r) =>
          r.method !== 'GET' &&
          (r.url.startsWith('/api/v1/mailings/:id/recipient') ||
            (r.method === 'PATCH' && r.url === '/api/v1/mailings/:id')),
      )
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(mutating).toEqual(Object.keys(refusals).sort());
  });

  for (const [route, cases] of Object.entries(refusals))
    for (const c of cases)
      it(`${route}: ${c.name} → ${c.status} ${c.code}, every table unchanged`, async () => {
        const before = await snapshot();
        const request = await c.request();
        const res = await t.app.inject({
          ...request,
          headers: { ...(request.headers as Record<string, string> | undefined), ...auth(c.who) },
        });
        expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({
          status: c.status,
          code: c.code,
        });
        await t.services.recipients.settled();
        expect(await snapshot()).toEqual(before);
      });

  it('the fixture can change: the same requests with the right succeed (so the refusals above were the checks, not the set-up)', async () => {
    const before = await t.services.recipients.summary(ids.overrideScheduled);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/mailings/${ids.overrideScheduled}/recipients/refresh`,
      headers: auth('admin'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().total).toBe(before.total);
    const added = await t.app.inject({
      method: 'POST',
      url: `/api/v1/mailings/${ids.scheduled}/recipient-sources`,
      headers: auth('admin'),
      payload: { kind: 'persons', personIds: [ids.person] },
    });
    expect(added.statusCode).toBe(201);
    // an accepted change of a scheduled mailing returns it to draft
    expect((await t.services.mailings.get(ids.scheduled)).state).toBe('draft');
  });
});
