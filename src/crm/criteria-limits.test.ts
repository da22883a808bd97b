import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/helpers/app.js';
import { engines } from '../../test/helpers/databases.js';
import { checkCriteriaLimits, criteriaLimits } from './criteria.js';

const leaf = { type: 'field', entity: 'person', field: 'city', op: 'eq', value: 'Oslo' };

/**
 * `depth` levels of `not` (or alternating not/group) around a leaf, built as text: neither the
 * builder nor JSON.stringify (which inject() would call) may be what recurses in a test about
 * recursion.
 */
function chainText(
  depth: number,
  kinds: Array<'not' | 'group'> = ['not'],
  inner = JSON.stringify(leaf),
): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    if (kinds[i % kinds.length] === 'not') {
      open += '{"type":"not","child":';
      close = `}${close}`;
    } else {
      open += `{"type":"group","op":"${i % 2 ? 'or' : 'and'}","children":[`;
      close = `]}${close}`;
    }
  }
  return `${open}${inner}${close}`;
}

/** The same chain as a value, for the shallow ones. */
function chain(depth: number, kinds: Array<'not' | 'group'>, inner: unknown): unknown {
  return JSON.parse(chainText(depth, kinds, JSON.stringify(inner)));
}

describe('checkCriteriaLimits', () => {
  it('accepts the limits exactly and refuses one more level or node', () => {
    expect(() => checkCriteriaLimits(JSON.parse(chainText(criteriaLimits.maxDepth - 1)))).not.toThrow();
    expect(() => checkCriteriaLimits(JSON.parse(chainText(criteriaLimits.maxDepth)))).toThrow(
      expect.objectContaining({ code: 'CRITERIA_TOO_DEEP' }),
    );
    const wide = (n: number) => ({
      type: 'group',
      op: 'or',
      children: Array.from({ length: 10 }, (_, i) => ({
        type: 'group',
        op: 'and',
        children: Array.from({ length: i === 0 ? n : 99 }, () => leaf),
      })),
    });
    // 1 + 10 + 9 × 99 + n nodes
    expect(() => checkCriteriaLimits(wide(98))).not.toThrow();
    expect(() => checkCriteriaLimits(wide(99))).toThrow(
      expect.objectContaining({ code: 'CRITERIA_TOO_LARGE' }),
    );
  });

  it('walks a million levels without recursion', () => {
    let node: unknown = leaf;
    for (let i = 0; i < 1_000_000; i++) node = { type: 'not', child: node };
    expect(() => checkCriteriaLimits(node)).toThrow(expect.objectContaining({ code: 'CRITERIA_TOO_DEEP' }));
  });
});

describe.each(engines)('criteria limits over the API on %s', (engine) => {
  let t: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    t = await openTestApp(engine);
    auth = { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' };
  });
  afterAll(async () => t.dispose());

  const selectionBody = (criteriaText: string) =>
    `{"name":"Deep","kind":"dynamic","memberType":"persons","criteria":${criteriaText}}`;
  const countSelections = async () =>
    (await t.app.inject({ url: '/api/v1/selections?limit=500', headers: auth })).json().total as number;

  it('criteria nested 1,000 deep are refused with CRITERIA_TOO_DEEP and nothing is stored', async () => {
    const before = await countSelections();
    for (const kinds of [['not'], ['group'], ['not', 'group']] as Array<Array<'not' | 'group'>>) {
      const text = chainText(1000, kinds);
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/selections',
        headers: auth,
        payload: selectionBody(text),
      });
      expect(created.statusCode, created.body).toBe(400);
      const error = created.json().error;
      expect(error.code, created.body).toBe('CRITERIA_TOO_DEEP');
      expect(error.details.field).toMatch(/^criteria(\.child|\.children\[0\])+$/);
      expect(error.details.maxDepth).toBe(criteriaLimits.maxDepth);
      const counted = await t.app.inject({
        method: 'POST',
        url: '/api/v1/selections/count',
        headers: auth,
        payload: `{"criteria":${text}}`,
      });
      expect(counted.statusCode).toBe(400);
      expect(counted.json().error.code).toBe('CRITERIA_TOO_DEEP');
    }
    expect(await countSelections()).toBe(before);

    // nor does a change store them
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/selections',
      headers: auth,
      payload: selectionBody(chainText(3)),
    });
    expect(ok.statusCode).toBe(201);
    const id = ok.json().id as number;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/selections/${id}`,
      headers: auth,
      payload: `{"criteria":${chainText(1000)}}`,
    });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().error.code).toBe('CRITERIA_TOO_DEEP');
    const after = await t.app.inject({ url: `/api/v1/selections/${id}`, headers: auth });
    expect(after.statusCode).toBe(200);
    expect(JSON.stringify(after.json().criteria)).toBe(chainText(3));
  });

  it('2,000 deep does not overflow', async () => {
    for (const depth of [2000, 20_000]) {
      for (const kinds of [['not'], ['group', 'not']] as Array<Array<'not' | 'group'>>) {
        const text = chainText(depth, kinds);
        for (const [url, payload] of [
          ['/api/v1/selections', selectionBody(text)],
          ['/api/v1/selections/count', `{"criteria":${text}}`],
        ] as const) {
          const r = await t.app.inject({ method: 'POST', url, headers: auth, payload });
          expect(r.statusCode, `${url} at ${depth}`).toBe(400);
          expect(r.json().error.code).toBe('CRITERIA_TOO_DEEP');
        }
      }
    }
  });

  it('the deepest and largest criteria allowed run on the database', async () => {
    // every kind of leaf at the bottom of the deepest chain: the SQL parsers must take it too
    const leaves = [
      leaf,
      { type: 'consent', purpose: 'emarketing', state: 'active' },
      { type: 'subscription', subscriptionTypeId: 'any', active: true },
      { type: 'engagement', event: 'read', is: false },
    ];
    const deepest = chain(criteriaLimits.maxDepth - 2, ['group', 'not'], {
      type: 'group',
      op: 'or',
      children: leaves,
    });
    const counted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/selections/count',
      headers: auth,
      payload: { criteria: deepest },
    });
    expect(counted.statusCode).toBe(200);
    expect(counted.json()).toEqual({ count: 0 });
    // 1 + 10 + 10 × 98 = 991 nodes, each leaf with a list of 10 values: 9,800 parameters
    const largest = {
      type: 'group',
      op: 'or',
      children: Array.from({ length: 10 }, () => ({
        type: 'group',
        op: 'and',
        children: Array.from({ length: 98 }, (_, i) => ({
          type: 'field',
          entity: 'person',
          field: 'city',
          op: 'in',
          value: Array.from({ length: 10 }, (_, j) => `City ${i}-${j}`),
        })),
      })),
    };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/selections',
      headers: auth,
      payload: { name: 'Largest', kind: 'dynamic', criteria: largest },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().memberCount).toBe(0);
    const tooLarge = await t.app.inject({
      method: 'POST',
      url: '/api/v1/selections/count',
      headers: auth,
      payload: { criteria: { type: 'group', op: 'or', children: [largest, largest] } },
    });
    expect(tooLarge.statusCode).toBe(400);
    expect(tooLarge.json().error).toMatchObject({ code: 'CRITERIA_TOO_LARGE' });
  });

  it('a stored selection with unreadable criteria can be deleted', async () => {
    // written straight into the table, as a row from before the limits (or from a hand) would be
    const row = await t.services.db
      .insertInto('selections')
      .values({
        name: 'Unreadable',
        description: null,
        kind: 'dynamic',
        member_type: 'persons',
        criteria: chainText(5000),
        created_by: null,
        created_at: 1,
        updated_at: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const got = await t.app.inject({ url: `/api/v1/selections/${row.id}`, headers: auth });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({
      id: row.id,
      criteria: null,
      memberCount: null,
      criteriaError: { code: 'CRITERIA_TOO_DEEP' },
    });
    // one bad row does not break the list
    const list = await t.app.inject({ url: '/api/v1/selections?limit=500', headers: auth });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.find((s: { id: number }) => s.id === row.id)).toMatchObject({
      criteriaError: { code: 'CRITERIA_TOO_DEEP' },
    });
    // what needs the members says why it cannot
    const members = await t.app.inject({ url: `/api/v1/selections/${row.id}/members`, headers: auth });
    expect(members.statusCode).toBe(409);
    expect(members.json().error).toMatchObject({
      code: 'SELECTION_CRITERIA_UNREADABLE',
      details: { field: 'criteria', cause: 'CRITERIA_TOO_DEEP' },
    });
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/selections/${row.id}`,
      headers: auth,
    });
    expect(deleted.statusCode).toBe(204);
    const gone = await t.app.inject({ url: `/api/v1/selections/${row.id}`, headers: auth });
    expect(gone.statusCode).toBe(404);

    // and one can be repaired with new criteria instead
    const again = await t.services.db
      .insertInto('selections')
      .values({
        name: 'Repairable',
        description: null,
        kind: 'dynamic',
        member_type: 'persons',
        criteria: chainText(5000, ['group']),
        created_by: null,
        created_at: 1,
        updated_at: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const repaired = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/selections/${again.id}`,
      headers: auth,
      payload: { criteria: leaf },
    });
    expect(repaired.statusCode).toBe(200);
    expect(repaired.json()).toMatchObject({ criteria: leaf, memberCount: 0 });
    expect(repaired.json().criteriaError).toBeUndefined();
  });

  it('random criteria trees of any depth and size are answered 200/201 or 400, never 500', async () => {
    const leaves = fc.oneof(
      {
        weight: 12,
        arbitrary: fc.constantFrom<unknown>(
          leaf,
          { type: 'field', entity: 'person', field: 'city', op: 'in', value: ['Oslo', 'Bergen'] },
          { type: 'field', entity: 'company', field: 'name', op: 'startsWith', value: 'Hav' },
          { type: 'field', entity: 'person', field: 'createdAt', op: 'between', value: [0, 1] },
          { type: 'consent', purpose: 'emarketing', state: 'missing' },
          { type: 'subscription', subscriptionTypeId: 'any', active: false },
          { type: 'engagement', event: 'clicked', is: true },
          { type: 'group', op: 'and', children: [] },
        ),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom<unknown>(
          { type: 'field', entity: 'person', field: 'nope', op: 'eq', value: 'x' },
          { type: 'customField', entity: 'person', key: 'missing', op: 'eq', value: 1 },
          { type: 'interest', interest: 'Sailing', has: true },
          { type: 'not' },
          { type: 'group', op: 'xor', children: [] },
        ),
      },
      // anything at all where a criterion belongs
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    );
    const tree = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaves,
        fc.record({ type: fc.constant('not'), child: tie('node') }),
        fc.record({
          type: fc.constant('group'),
          op: fc.constantFrom('and', 'or'),
          children: fc.array(tie('node'), { maxLength: 6 }),
        }),
      ),
    })).node;
    // the deep tree is built inside the property from this small description: fast-check prints
    // (recursively) the values it generated when a run fails, which a 3,000-deep value would overflow
    const shapes = fc.record({
      inner: tree,
      // chains around it: mostly near the limit, sometimes far beyond it
      depth: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 3000 }) },
      ),
      kinds: fc.array(fc.constantFrom<'not' | 'group'>('not', 'group'), { minLength: 1, maxLength: 4 }),
      // and copies side by side: up to 150 × the inner tree crosses the size limit
      width: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 150 })),
      memberType: fc.constantFrom('persons', 'companies'),
    });
    await fc.assert(
      fc.asyncProperty(shapes, async ({ inner, depth, kinds, width, memberType }) => {
        const criteria = chainText(
          depth,
          kinds,
          JSON.stringify(
            width === 1
              ? inner
              : { type: 'group', op: 'or', children: Array.from({ length: width }, () => inner) },
          ),
        );
        const created = await t.app.inject({
          method: 'POST',
          url: '/api/v1/selections',
          headers: auth,
          payload: `{"name":"Random","kind":"dynamic","memberType":"${memberType}","criteria":${criteria}}`,
        });
        expect([201, 400], created.body).toContain(created.statusCode);
        const counted = await t.app.inject({
          method: 'POST',
          url: '/api/v1/selections/count',
          headers: auth,
          payload: `{"memberType":"${memberType}","criteria":${criteria}}`,
        });
        expect([200, 400], counted.body).toContain(counted.statusCode);
        // the same answer both ways: a tree that can be counted can be stored
        expect(counted.statusCode === 200).toBe(created.statusCode === 201);
        if (created.statusCode === 201) {
          const id = created.json().id as number;
          const got = await t.app.inject({ url: `/api/v1/selections/${id}`, headers: auth });
          expect(got.statusCode).toBe(200);
          expect(got.json().criteriaError).toBeUndefined();
        }
      }),
      { numRuns: 60 },
    );
  });
});
