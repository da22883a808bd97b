import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import type { Services } from '../services.js';

describe.each(engines)('CRM core on %s', (engine) => {
  let s: Services;
  let dispose: () => Promise<void>;
  let companyId: number;
  let newsletter: number;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    dispose = t.database.dispose;
    const acme = await s.companies.create(
      { name: 'Fjord Fisk AS', city: 'Bergen', country: 'Norway' },
      admin,
    );
    companyId = acme.id;
    await s.customFields.create(
      { entity: 'person', key: 'shoeSize', label: 'Shoe size', type: 'number' },
      admin,
    );
    newsletter = (await s.preferences.createSubscriptionType({ name: 'Newsletter' }, admin)).id;
    const people: Array<[string, string, string, string | null]> = [
      ['Kari', 'Nordmann', 'kari@fjordfisk.no', 'Bergen'],
      ['Ola', 'Nordmann', 'ola@fjordfisk.no', 'Oslo'],
      ['Åse', 'Berg', 'aase@example.se', 'Bergen'],
      ['Sven', 'Svensson', 'sven@example.se', null],
    ];
    for (const [first, last, email, city] of people) {
      const p = await s.persons.create(
        {
          firstName: first,
          lastName: last,
          emails: [email],
          city,
          companyId: email.includes('fjord') ? companyId : null,
        },
        admin,
      );
      if (first === 'Kari' || first === 'Åse') {
        await s.preferences.setSubscription(p.id, newsletter, { status: 'active', source: 'test' }, admin);
        await s.preferences.recordConsent(
          p.id,
          { purpose: 'emarketing', legalBasis: 'consent', source: 'test' },
          admin,
        );
      }
      if (first === 'Kari')
        await s.persons.update(p.id, { customFields: { shoeSize: 38 }, interests: ['sailing'] }, admin);
    }
  });
  afterAll(async () => dispose());

  it('a person has several e-mail addresses, one primary, and falls back to the company address', async () => {
    const page = await s.persons.list({ q: 'kari', limit: 10, offset: 0 });
    expect(page.total).toBe(1);
    const id = page.items[0]?.id ?? 0;
    const p = await s.persons.update(id, { emails: ['Kari.Work@FjordFisk.no', 'kari@fjordfisk.no'] }, admin);
    expect(p.email).toBe('Kari.Work@fjordfisk.no');
    expect(p.emails).toEqual([
      { email: 'Kari.Work@fjordfisk.no', primary: true },
      { email: 'kari@fjordfisk.no', primary: false },
    ]);
    expect(p.postalAddress.city).toBe('Bergen');
    expect(p.customFields).toEqual({ shoeSize: 38 });
    expect(p.interests).toEqual(['sailing']);
    expect(await s.persons.findByEmail('KARI@fjordfisk.no')).toEqual([id]);
  });

  it('type-ahead finds persons by first name, last name, e-mail and company name', async () => {
    expect((await s.persons.list({ q: 'nord', limit: 10, offset: 0 })).total).toBe(2);
    expect((await s.persons.list({ q: 'ÅSE', limit: 10, offset: 0 })).items[0]?.lastName).toBe('Berg');
    expect((await s.persons.list({ q: 'sven@', limit: 10, offset: 0 })).total).toBe(1);
    expect((await s.persons.list({ q: 'fjord fisk', limit: 10, offset: 0 })).total).toBe(2);
    const paged = await s.persons.list({ limit: 2, offset: 2 });
    expect(paged.total).toBe(4);
    expect(paged.items).toHaveLength(2);
  });

  it('refuses an invalid e-mail or mobile naming the field, and stores nothing', async () => {
    await expect(
      s.persons.create({ lastName: 'X', emails: ['ok@example.com', 'bad@@x'] }, admin),
    ).rejects.toMatchObject({
      code: 'INVALID_EMAIL',
      details: { field: 'emails[1]' },
    });
    await expect(s.persons.create({ lastName: 'X', mobile: 'call me' }, admin)).rejects.toMatchObject({
      code: 'INVALID_MOBILE',
    });
    expect((await s.persons.list({ limit: 100, offset: 0 })).total).toBe(4);
  });

  it('a dynamic selection compiles AND/OR criteria over fields, subscriptions, consent, interests and custom fields', async () => {
    const sel = await s.selections.create(
      {
        name: 'Bergen subscribers',
        kind: 'dynamic',
        criteria: {
          type: 'group',
          op: 'and',
          children: [
            { type: 'field', entity: 'person', field: 'city', op: 'eq', value: 'bergen' },
            { type: 'subscription', subscriptionTypeId: newsletter, active: true },
            { type: 'consent', purpose: 'emarketing', state: 'active' },
          ],
        },
      },
      admin,
    );
    expect(sel.memberCount).toBe(2);
    const or = await s.selections.countCriteria(
      {
        type: 'group',
        op: 'or',
        children: [
          { type: 'customField', entity: 'person', key: 'shoeSize', op: 'gte', value: 38 },
          { type: 'field', entity: 'company', field: 'name', op: 'startsWith', value: 'fjord' },
        ],
      },
      'persons',
    );
    expect(or).toBe(2);
    expect(
      await s.selections.countCriteria(
        { type: 'not', child: { type: 'interest', interest: 'Sailing', has: true } },
        'persons',
      ),
    ).toBe(3);
    expect(
      await s.selections.countCriteria(
        { type: 'field', entity: 'person', field: 'city', op: 'isEmpty' },
        'persons',
      ),
    ).toBe(1);
    const members = await s.selections.members(sel.id, { limit: 10, offset: 0 });
    expect(members.items.map((m) => m.name).sort()).toEqual(['Kari Nordmann', 'Åse Berg']);
  });

  it('criteria naming an unknown field or a wrong operator are refused with the path', async () => {
    await expect(
      s.selections.countCriteria(
        {
          type: 'group',
          op: 'and',
          children: [{ type: 'field', entity: 'person', field: 'shoe', op: 'eq', value: 1 }],
        },
        'persons',
      ),
    ).rejects.toMatchObject({ code: 'CRITERIA_INVALID', details: { field: 'criteria.children[0].field' } });
    await expect(
      s.selections.countCriteria(
        { type: 'field', entity: 'person', field: 'noMailings', op: 'contains', value: 'x' },
        'persons',
      ),
    ).rejects.toMatchObject({ code: 'CRITERIA_INVALID', details: { field: 'criteria.op' } });
  });

  it('a static selection has explicit members; a project has members with roles', async () => {
    const all = await s.persons.list({ limit: 10, offset: 0 });
    const ids = all.items.map((p) => p.id);
    const sel = await s.selections.create({ name: 'VIP', kind: 'static' }, admin);
    expect(await s.selections.addMembers(sel.id, [ids[0] ?? 0, ids[1] ?? 0, ids[0] ?? 0], admin)).toEqual({
      added: 2,
    });
    expect((await s.selections.get(sel.id)).memberCount).toBe(2);
    await expect(s.selections.addMembers(sel.id, [999_999], admin)).rejects.toMatchObject({
      code: 'MEMBER_NOT_FOUND',
    });
    const project = await s.projects.create({ name: 'Fair 2027' }, admin);
    await s.projects.addMembers(project.id, { personIds: ids.slice(0, 3), role: 'guest' }, admin);
    const members = await s.projects.members(project.id, { limit: 10, offset: 0 });
    expect(members.total).toBe(3);
    expect(members.items[0]?.role).toBe('guest');
  });

  it('consent keeps its history; the latest record per purpose is current', async () => {
    const p = (await s.persons.list({ q: 'sven', limit: 1, offset: 0 })).items[0];
    const id = p?.id ?? 0;
    await s.preferences.recordConsent(
      id,
      { purpose: 'emarketing', legalBasis: 'consent', source: 'form' },
      admin,
    );
    await s.preferences.recordConsent(
      id,
      { purpose: 'emarketing', legalBasis: 'withdrawn', source: 'manual' },
      admin,
    );
    const c = await s.preferences.consentsOf(id);
    expect(c.history).toHaveLength(2);
    expect(c.current).toEqual([expect.objectContaining({ purpose: 'emarketing', legalBasis: 'withdrawn' })]);
  });

  it('the audit log records who changed what', async () => {
    const log = await s.access.listAudit({ entity: 'selection' }, 50, 0);
    expect(log.items.some((e) => e.action === 'selection.create' && e.actor === 'system:test')).toBe(true);
  });
});
