import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import { isAppError } from '../core/index.js';
import type { Services } from '../services.js';
import type { Criterion } from './criteria.js';

/** The small CRM the properties run over; the reference evaluator below reads the same data. */
interface Sample {
  id: number;
  city: string | null;
  lastName: string;
  noMailings: boolean;
  score: number | null;
  newsletter: boolean;
  consent: 'consent' | 'withdrawn' | null;
  sailing: boolean;
  companyCity: string | null;
}

const cities = ['Oslo', 'Bergen', 'Tromsø', null];
const lastNames = ['Hansen', 'Berg', 'Dahl', 'Lie_%', 'Ærø', 'ÅSE'];

/** A reference evaluation of a criteria tree in JavaScript, with the compiler's documented meaning. */
function evaluate(c: Criterion, p: Sample): boolean {
  switch (c.type) {
    case 'group':
      return c.op === 'and'
        ? c.children.every((x) => evaluate(x, p))
        : c.children.some((x) => evaluate(x, p));
    case 'not':
      return !evaluate(c.child, p);
    case 'subscription':
      return c.active === p.newsletter;
    case 'consent':
      return c.state === 'active'
        ? p.consent === 'consent'
        : c.state === 'withdrawn'
          ? p.consent === 'withdrawn'
          : p.consent === null;
    case 'interest':
      return c.has === p.sailing;
    case 'engagement':
      // the samples never received a mailing
      return !c.is;
    case 'customField': {
      const v = p.score;
      if (c.op === 'isEmpty') return v === null;
      if (c.op === 'isNotEmpty') return v !== null;
      if (v === null) return false;
      return compareNumber(v, c.op, c.value);
    }
    case 'field': {
      const raw =
        c.entity === 'company'
          ? p.companyCity
          : c.field === 'city'
            ? p.city
            : c.field === 'lastName'
              ? p.lastName
              : null;
      if (c.field === 'noMailings') return c.op === 'isTrue' ? p.noMailings : !p.noMailings;
      const v = raw === null ? null : raw.toLowerCase();
      const val = typeof c.value === 'string' ? c.value.toLowerCase() : '';
      const list = Array.isArray(c.value) ? c.value.map((x) => String(x).toLowerCase()) : [];
      switch (c.op) {
        case 'eq':
          return v !== null && v === val;
        case 'neq':
          return v === null || v !== val;
        case 'in':
          return v !== null && list.includes(v);
        case 'notIn':
          return v === null || !list.includes(v);
        case 'contains':
          return v?.includes(val) === true;
        case 'startsWith':
          return v?.startsWith(val) === true;
        case 'isEmpty':
          return v === null || v === '';
        case 'isNotEmpty':
          return v !== null && v !== '';
        default:
          throw new Error(`unexpected ${c.op}`);
      }
    }
  }
}

function compareNumber(v: number, op: string, value: unknown): boolean {
  const n = Number(value);
  switch (op) {
    case 'eq':
      return v === n;
    case 'neq':
      return v !== n;
    case 'lt':
      return v < n;
    case 'lte':
      return v <= n;
    case 'gt':
      return v > n;
    case 'gte':
      return v >= n;
    case 'between': {
      const [a, b] = value as [number, number];
      return v >= a && v <= b;
    }
    default:
      throw new Error(`unexpected ${op}`);
  }
}

const text = fc.constantFrom(
  'oslo',
  'BERGEN',
  'tromsø',
  'TROMSØ',
  'o',
  'han',
  'lie_%',
  '%',
  '_',
  '',
  'ærø',
  'Æ',
  'åse',
  'ø',
);
const textLeaf = fc.oneof(
  fc.record({
    type: fc.constant('field' as const),
    entity: fc.constant('person' as const),
    field: fc.constantFrom('city', 'lastName'),
    op: fc.constantFrom('eq' as const, 'neq' as const, 'contains' as const, 'startsWith' as const),
    value: text,
  }),
  fc.record({
    type: fc.constant('field' as const),
    entity: fc.constantFrom('person' as const, 'company' as const),
    field: fc.constant('city'),
    op: fc.constantFrom('in' as const, 'notIn' as const),
    value: fc.array(text, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('field' as const),
    entity: fc.constantFrom('person' as const, 'company' as const),
    field: fc.constant('city'),
    op: fc.constantFrom('isEmpty' as const, 'isNotEmpty' as const),
  }),
);
const leaf: fc.Arbitrary<Criterion> = fc.oneof(
  textLeaf,
  fc.record({
    type: fc.constant('field' as const),
    entity: fc.constant('person' as const),
    field: fc.constant('noMailings'),
    op: fc.constantFrom('isTrue' as const, 'isFalse' as const),
  }),
  fc.record({
    type: fc.constant('customField' as const),
    entity: fc.constant('person' as const),
    key: fc.constant('score'),
    op: fc.constantFrom(
      'eq' as const,
      'neq' as const,
      'lt' as const,
      'gte' as const,
      'isEmpty' as const,
      'isNotEmpty' as const,
    ),
    value: fc.integer({ min: 0, max: 10 }),
  }),
  fc.record({
    type: fc.constant('customField' as const),
    entity: fc.constant('person' as const),
    key: fc.constant('score'),
    op: fc.constant('between' as const),
    value: fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 3, max: 10 })),
  }),
  fc.record({
    type: fc.constant('consent' as const),
    purpose: fc.constant('emarketing' as const),
    state: fc.constantFrom('active' as const, 'withdrawn' as const, 'missing' as const),
  }),
  fc.record({
    type: fc.constant('interest' as const),
    interest: fc.constantFrom('sailing', 'Sailing'),
    has: fc.boolean(),
  }),
);

describe.each(engines)('criteria compiler on %s', (engine) => {
  let s: Services;
  let dispose: () => Promise<void>;
  const samples: Sample[] = [];
  let newsletter = 0;
  let tree: fc.Arbitrary<Criterion>;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    dispose = t.database.dispose;
    newsletter = (await s.preferences.createSubscriptionType({ name: 'Newsletter' }, admin)).id;
    await s.customFields.create({ entity: 'person', key: 'score', label: 'Score', type: 'number' }, admin);
    const companies = [
      (await s.companies.create({ name: 'A AS', city: 'Oslo' }, admin)).id,
      (await s.companies.create({ name: 'B AS' }, admin)).id,
    ];
    for (let i = 0; i < 24; i++) {
      const city = cities[i % cities.length] ?? null;
      const lastName = lastNames[i % lastNames.length] ?? 'X';
      const score = i % 5 === 0 ? null : i % 11;
      const companyIndex = i % 3;
      const p = await s.persons.create(
        {
          firstName: `P${i}`,
          lastName,
          city,
          noMailings: i % 4 === 1,
          companyId: companyIndex === 2 ? null : companies[companyIndex],
          ...(score === null ? {} : { customFields: { score } }),
          interests: i % 3 === 0 ? ['Sailing'] : [],
        },
        admin,
      );
      const sub = i % 2 === 0;
      if (sub)
        await s.preferences.setSubscription(p.id, newsletter, { status: 'active', source: 'test' }, admin);
      else if (i % 5 === 1)
        await s.preferences.setSubscription(p.id, newsletter, { status: 'cancelled', source: 'test' }, admin);
      const consent = i % 3 === 0 ? 'consent' : i % 3 === 1 ? 'withdrawn' : null;
      if (consent)
        await s.preferences.recordConsent(
          p.id,
          { purpose: 'emarketing', legalBasis: consent, source: 'test' },
          admin,
        );
      samples.push({
        id: p.id,
        city,
        lastName,
        noMailings: i % 4 === 1,
        score,
        newsletter: sub,
        consent,
        sailing: i % 3 === 0,
        companyCity: companyIndex === 0 ? 'Oslo' : null,
      });
    }
    const withSubscription = fc.oneof(
      leaf,
      fc.record({
        type: fc.constant('subscription' as const),
        subscriptionTypeId: fc.constant(newsletter),
        active: fc.boolean(),
      }),
    );
    tree = fc.letrec<{ node: Criterion }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        withSubscription,
        fc.record({
          type: fc.constant('group' as const),
          op: fc.constantFrom('and' as const, 'or' as const),
          children: fc.array(tie('node'), { maxLength: 3 }),
        }),
        fc.record({ type: fc.constant('not' as const), child: tie('node') }),
      ),
    })).node;
  });
  afterAll(async () => dispose());

  it('property: the SQL count equals a reference evaluation of the tree, on any tree', async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (criteria) => {
        const expected = samples.filter((p) => evaluate(criteria, p)).length;
        expect(await s.selections.countCriteria(criteria, 'persons')).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('property: any tree of unknown names is refused with CRITERIA_INVALID, never a database error', async () => {
    const junk = fc.record({
      type: fc.constantFrom('field' as const, 'customField' as const),
      entity: fc.constantFrom('person' as const, 'company' as const),
      field: fc.string({ maxLength: 8 }),
      key: fc.string({ maxLength: 8 }),
      op: fc.constantFrom(
        'eq' as const,
        'contains' as const,
        'lt' as const,
        'isTrue' as const,
        'between' as const,
      ),
      value: fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer(), { maxLength: 3 })),
    });
    await fc.assert(
      fc.asyncProperty(junk, async (j) => {
        const c = (
          j.type === 'field'
            ? { type: 'field', entity: j.entity, field: j.field, op: j.op, value: j.value }
            : { type: 'customField', entity: j.entity, key: j.key, op: j.op, value: j.value }
        ) as Criterion;
        try {
          const n = await s.selections.countCriteria(c, 'persons');
          expect(n).toBeGreaterThanOrEqual(0);
        } catch (e) {
          expect(isAppError(e) && e.code).toBe('CRITERIA_INVALID');
        }
      }),
      { numRuns: 200 },
    );
  });
});
