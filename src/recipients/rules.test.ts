import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { insertPersons } from '../../test/helpers/persons.js';
import { admin } from '../../test/helpers/services.js';
import { validateEmail } from '../addresses/index.js';
import type { Services } from '../services.js';
import { backgroundBuildRows, commonEmail } from './index.js';
import { recipientBuilds } from './progress.js';

/**
 * Issue 12 part 4, the recipient rules of PRODUCT.md §8: include and prefer company on person
 * sources, addresses checked again when the list is built, and a Setup change that rebuilds the
 * list. The privacy filter is off here: these rules are about who is a candidate and at which
 * address, not consent (recipients.test.ts covers the filter pipeline).
 */
describe.each(engines)('recipient rules on %s', (engine) => {
  let t: TestApp;
  let s: Services;
  /** Persons by key (w1, w2 at Mail AS; q1 at Quiet AS; b1 at Broken AS; solo) and companies by key. */
  const ids: Record<string, number> = {};
  const companies: Record<string, number> = {};
  let people: number;
  let project: number;
  const auth = () => ({ authorization: `Bearer ${t.adminKey}` });

  async function person(key: string, email: string | null, companyId: number | null) {
    ids[key] = (
      await s.persons.create(
        { firstName: key, lastName: 'Test', emails: email ? [email] : [], companyId },
        admin,
      )
    ).id;
  }

  beforeAll(async () => {
    t = await openTestApp(engine);
    s = t.services;
    await s.settings.update({ privacyFilter: false }, admin);
    companies.mail = (
      await s.companies.create({ name: 'Mail AS', email: 'post@mail.no', city: 'Oslo' }, admin)
    ).id;
    companies.quiet = (await s.companies.create({ name: 'Quiet AS' }, admin)).id;
    companies.broken = (await s.companies.create({ name: 'Broken AS' }, admin)).id;
    // an e-mail no longer valid (stored before the rules, or by hand): no address for the company
    await s.db
      .updateTable('companies')
      .set({ email: 'post@@broken.no' })
      .where('id', '=', companies.broken as number)
      .execute();
    await person('w1', 'w1@mail.no', companies.mail as number);
    await person('w2', 'w2@mail.no', companies.mail as number);
    await person('q1', 'q1@quiet.no', companies.quiet as number);
    await person('b1', 'b1@broken.no', companies.broken as number);
    await person('solo', 'solo@example.no', null);
    const sel = await s.selections.create({ name: 'People', kind: 'static' }, admin);
    await s.selections.addMembers(
      sel.id,
      ['w1', 'w2', 'q1', 'b1', 'solo'].map((k) => ids[k] as number),
      admin,
    );
    people = sel.id;
    project = (await s.projects.create({ name: 'Fair' }, admin)).id;
    await s.projects.addMembers(project, { personIds: [ids.w1 as number, ids.q1 as number] }, admin);
  });
  afterAll(async () => t.dispose());

  /** The list as "kind:name" (persons by their key, companies by name), sorted. */
  async function view(mailingId: number): Promise<string[]> {
    const page = await s.recipients.list(mailingId, { limit: 500 });
    return page.items
      .map((r) => {
        const key = Object.entries(ids).find(([, id]) => id === r.personId)?.[0];
        const who = r.kind === 'person' ? key : r.name;
        return `${r.kind}:${who}${r.status === 'ready' ? '' : `(${r.status}:${r.reason})`}`;
      })
      .sort();
  }

  async function mailing(options: Record<string, boolean>, link: { selectionId?: number } = {}) {
    const m = await s.mailings.create({ name: 'Rules', channel: 'email' }, admin);
    await s.mailings.update(m.id, { ...link, recipientOptions: options }, admin);
    return m.id;
  }

  it('include companies on a selection of persons: company rows added once, persons kept, a company without an address gets nothing', async () => {
    const id = await mailing({ includeCompanies: true }, { selectionId: people });
    await s.recipients.build(id, admin);
    expect(await view(id)).toEqual([
      // Mail AS once for its two persons; Quiet AS (no e-mail) and Broken AS (an invalid one) get nothing
      'company:Mail AS',
      'person:b1',
      'person:q1',
      'person:solo',
      'person:w1',
      'person:w2',
    ]);
    // the other person sources: a project and picked persons; the same company through two
    // sources is still one recipient
    const other = await mailing({ includeCompanies: true });
    await s.recipients.addSource(other, { kind: 'project', projectId: project }, admin);
    await s.recipients.addSource(other, { kind: 'persons', personIds: [ids.w2 as number] }, admin);
    expect(await view(other)).toEqual(['company:Mail AS', 'person:q1', 'person:w1', 'person:w2']);
    // without the option: the persons only
    const plain = await mailing({}, { selectionId: people });
    await s.recipients.build(plain, admin);
    expect((await view(plain)).filter((r) => r.startsWith('company:'))).toEqual([]);
  });

  it('prefer company: only companies receive, one message each; a person without a company still receives; a company without an address falls back to its persons', async () => {
    const id = await mailing({ includeCompanies: true, preferCompany: true }, { selectionId: people });
    await s.recipients.build(id, admin);
    expect(await view(id)).toEqual(['company:Mail AS', 'person:b1', 'person:q1', 'person:solo']);
    const page = await s.recipients.list(id, { limit: 10 });
    expect(page.items.find((r) => r.kind === 'company')).toMatchObject({
      companyId: companies.mail,
      address: 'post@mail.no',
      status: 'ready',
    });
  });

  it('an invalid stored mobile or e-mail is blocked invalidAddress when the list is built', async () => {
    // written straight into the table, as the old demo loader and bulk loads did
    const [shortMobile, goodMobile, badMail] = await insertPersons(
      s.db,
      3,
      (i) => [`short${i}@example.no`, `good${i}@example.no`, `kari@@example.no`][i] as string,
      (i) => [`Stored${i}`, 'Test'],
      (i) => ({ mobile: ['+479123456', '+4791234567', '+4741234567'][i] as string }),
    );
    const sel = await s.selections.create({ name: 'Stored', kind: 'static' }, admin);
    await s.selections.addMembers(sel.id, [shortMobile, goodMobile, badMail] as number[], admin);
    const sms = await s.mailings.create({ name: 'SMS', channel: 'sms' }, admin);
    await s.mailings.update(sms.id, { selectionId: sel.id }, admin);
    await s.recipients.build(sms.id, admin);
    const smsList = (await s.recipients.list(sms.id, { limit: 10 })).items;
    expect(smsList.map((r) => [r.personId, r.status, r.reason])).toEqual([
      [shortMobile, 'blocked', 'invalidAddress'],
      [goodMobile, 'ready', null],
      [badMail, 'ready', null],
    ]);
    const email = await s.mailings.create({ name: 'E-mail', channel: 'email' }, admin);
    await s.mailings.update(
      email.id,
      { selectionId: sel.id, recipientOptions: { overrideConsent: true } },
      admin,
    );
    await s.recipients.build(email.id, admin);
    const emailList = (await s.recipients.list(email.id, { limit: 10 })).items;
    // never overridden: an invalid address is §8 step 1
    expect(emailList.map((r) => [r.personId, r.status, r.reason, r.overridden])).toEqual([
      [shortMobile, 'ready', null, false],
      [goodMobile, 'ready', null, false],
      [badMail, 'blocked', 'invalidAddress', false],
    ]);
    expect((await s.recipients.summary(email.id)).byReason).toEqual({ invalidAddress: 1 });
    expect((await s.recipients.summary(sms.id)).byReason).toEqual({ invalidAddress: 1 });
  });

  it('PATCH selectionId fills the list, and steps no longer ask to link a selection', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/mailings',
      headers: auth(),
      payload: { name: 'Linked', channel: 'email' },
    });
    const id = created.json().id as number;
    const recipientsStep = async () =>
      (await t.app.inject({ url: `/api/v1/mailings/${id}/steps`, headers: auth() }))
        .json()
        .items.find((x: { step: string }) => x.step === 'recipients');
    expect((await recipientsStep()).errors).toEqual([
      expect.objectContaining({
        code: 'RECIPIENTS_NOT_BUILT',
        message: expect.stringContaining('link a selection'),
      }),
    ]);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/mailings/${id}`,
      headers: auth(),
      payload: { selectionId: people },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().selectionId).toBe(people);
    const summary = (
      await t.app.inject({ url: `/api/v1/mailings/${id}/recipients/summary`, headers: auth() })
    ).json();
    expect(summary).toMatchObject({ total: 5, byStatus: { ready: 5 }, stale: false });
    expect(summary.building).toBeUndefined();
    const step = await recipientsStep();
    expect(step).toMatchObject({ complete: true, errors: [] });
    // unlinking empties the list again, and only then is linking suggested
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/mailings/${id}`,
      headers: auth(),
      payload: { selectionId: null },
    });
    expect((await s.recipients.summary(id)).total).toBe(0);
    expect((await recipientsStep()).errors).toEqual([
      expect.objectContaining({
        code: 'NO_RECIPIENTS',
        message: expect.stringContaining('link a selection'),
      }),
    ]);
  });

  it('changing a recipient option rebuilds the list', async () => {
    const id = await mailing({}, { selectionId: people });
    await s.recipients.build(id, admin);
    expect((await view(id)).some((r) => r.startsWith('company:'))).toBe(false);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/mailings/${id}`,
      headers: auth(),
      payload: { recipientOptions: { includeCompanies: true } },
    });
    expect(res.statusCode).toBe(200);
    expect(await view(id)).toContain('company:Mail AS');
    expect((await s.recipients.summary(id)).stale).toBe(false);
    // a change that does not touch the recipients leaves the list as it was built
    const builtAt = (await s.recipients.summary(id)).builtAt;
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/mailings/${id}`,
      headers: auth(),
      payload: { name: 'Renamed' },
    });
    expect((await s.recipients.summary(id)).builtAt).toBe(builtAt);
  });

  it('a large list is built in the background: PATCH answers before it is in, the summary shows building until then', async () => {
    const n = backgroundBuildRows + 1;
    const first = await insertPersons(s.db, n, (i) => `bulk${i}@example.no`);
    const big = await s.selections.create({ name: 'Big', kind: 'static' }, admin);
    await sql`insert into selection_members (selection_id, member_id, added_at)
      select ${big.id}, id, 0 from persons where id >= ${first[0] as number}`.execute(s.db);
    const m = await s.mailings.create({ name: 'Big', channel: 'email' }, admin);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/mailings/${m.id}`,
      headers: auth(),
      payload: { selectionId: big.id },
    });
    expect(res.statusCode).toBe(200);
    // answered while the build still runs (in this process: the summary and the steps read this)
    const running = recipientBuilds(s.db).running.get(m.id);
    expect(running).toBeDefined();
    expect(running?.total).toBeGreaterThanOrEqual(n);
    const during = await s.recipients.summary(m.id);
    if (during.building) expect(during.building.done).toBeLessThanOrEqual(during.building.total);
    await s.recipients.settled(m.id);
    const after = await s.recipients.summary(m.id);
    expect(after).toMatchObject({ total: n, byStatus: { ready: n }, stale: false });
    expect(after.building).toBeUndefined();
    expect(recipientBuilds(s.db).running.has(m.id)).toBe(false);
  });
});

describe('the fast e-mail check of the build', () => {
  it('accepts only what validateEmail accepts (hand-picked edge cases and 50,000 random strings)', () => {
    const edges = [
      'kari@example.no',
      'Kari.Nordmann+news@Sub.Example.NO',
      'a@b.co',
      'a@b.c1',
      'a@1.com',
      'a@b.123',
      'a..b@x.no',
      '.a@x.no',
      'a.@x.no',
      'a@-x.no',
      'a@x-.no',
      'a@x..no',
      'a@x',
      ' a@x.no',
      'a@x.no ',
      'a@@x.no',
      `${'a'.repeat(64)}@x.no`,
      `${'a'.repeat(65)}@x.no`,
      `a@${'b'.repeat(63)}.no`,
      `a@${'b'.repeat(64)}.no`,
      `${'a'.repeat(64)}@${Array.from({ length: 4 }, () => 'c'.repeat(45)).join('.')}.no`,
      'æ@x.no',
      'a@ø.no',
    ];
    const alphabet = 'aZ09._+-@ø ';
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const random = Array.from({ length: 50_000 }, () =>
      Array.from(
        { length: 3 + Math.floor(next() * 12) },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join(''),
    );
    const wrong = [...edges, ...random].filter((a) => commonEmail(a) && !validateEmail(a).valid);
    expect(wrong).toEqual([]);
    // and it is the fast path for the usual address
    expect(commonEmail('kari.nordmann@example.no')).toBe(true);
  });
});
