import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import { z } from 'zod';
import { invalid } from '../core/index.js';
import type { Database } from '../storage/index.js';
import { consentPurposes } from './preferences.service.js';

/**
 * Dynamic selection criteria: a typed filter tree of AND/OR groups whose leaves test person and
 * company fields, custom fields, subscriptions, consent and interests. The tree is compiled to one
 * SQL boolean expression (the same on SQLite and PostgreSQL) over `persons p` (and `companies c`
 * when a company field is used), or over `companies c` for company selections.
 *
 * Engagement (PRODUCT.md §2): "read mailing X", "clicked link Y in mailing X", "bounced",
 * "received", over the recipients of past mailings (human reads only).
 *
 * Adding a criterion kind is a new union member, a zod branch
 * and a case in `compileNode`; the exhaustive switch makes the compiler refuse to build otherwise.
 */
export const textOperators = [
  'eq',
  'neq',
  'in',
  'notIn',
  'contains',
  'startsWith',
  'isEmpty',
  'isNotEmpty',
] as const;
export const orderedOperators = [
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'between',
  'isEmpty',
  'isNotEmpty',
] as const;
export const booleanOperators = ['isTrue', 'isFalse'] as const;
const allOperators = [...new Set([...textOperators, ...orderedOperators, ...booleanOperators])] as [
  string,
  ...string[],
];
export type Operator =
  | (typeof textOperators)[number]
  | (typeof orderedOperators)[number]
  | (typeof booleanOperators)[number];

type FieldType = 'text' | 'number' | 'date' | 'boolean';

/** The fields criteria may test, with their column and type. */
export const personFields: Record<string, { column: string; type: FieldType }> = {
  firstName: { column: 'p.first_name', type: 'text' },
  middleName: { column: 'p.middle_name', type: 'text' },
  lastName: { column: 'p.last_name', type: 'text' },
  title: { column: 'p.title', type: 'text' },
  salutation: { column: 'p.salutation', type: 'text' },
  email: { column: 'p.email', type: 'text' },
  mobile: { column: 'p.mobile', type: 'text' },
  street: { column: 'p.street', type: 'text' },
  postcode: { column: 'p.postcode', type: 'text' },
  city: { column: 'p.city', type: 'text' },
  country: { column: 'p.country', type: 'text' },
  language: { column: 'p.language', type: 'text' },
  companyId: { column: 'p.company_id', type: 'number' },
  ourContactId: { column: 'p.our_contact_id', type: 'number' },
  noMailings: { column: 'p.no_mailings', type: 'boolean' },
  formerEmployee: { column: 'p.former_employee', type: 'boolean' },
  createdAt: { column: 'p.created_at', type: 'date' },
  updatedAt: { column: 'p.updated_at', type: 'date' },
};
export const companyFields: Record<string, { column: string; type: FieldType }> = {
  id: { column: 'c.id', type: 'number' },
  name: { column: 'c.name', type: 'text' },
  street: { column: 'c.street', type: 'text' },
  postcode: { column: 'c.postcode', type: 'text' },
  city: { column: 'c.city', type: 'text' },
  country: { column: 'c.country', type: 'text' },
  phone: { column: 'c.phone', type: 'text' },
  email: { column: 'c.email', type: 'text' },
  domain: { column: 'c.domain', type: 'text' },
  ourContactId: { column: 'c.our_contact_id', type: 'number' },
  createdAt: { column: 'c.created_at', type: 'date' },
};

const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);
const value = z.union([scalar, z.array(scalar).max(1000)]);

export type Criterion =
  | { type: 'group'; op: 'and' | 'or'; children: Criterion[] }
  | { type: 'not'; child: Criterion }
  | {
      type: 'field';
      entity: 'person' | 'company';
      field: string;
      op: Operator;
      value?: z.infer<typeof value> | undefined;
    }
  | {
      type: 'customField';
      entity: 'person' | 'company';
      key: string;
      op: Operator;
      value?: z.infer<typeof value> | undefined;
    }
  | { type: 'subscription'; subscriptionTypeId: number | 'any'; active: boolean }
  | { type: 'consent'; purpose: (typeof consentPurposes)[number]; state: 'active' | 'withdrawn' | 'missing' }
  | { type: 'interest'; interest: string; has: boolean }
  | {
      type: 'engagement';
      /** read (a human open or click), clicked (a link, or any), bounced, received (sent to). */
      event: 'read' | 'clicked' | 'bounced' | 'received';
      /** The mailing; absent: any mailing. */
      mailingId?: number | undefined;
      /** With `clicked`: the mailing's link number. */
      linkNo?: number | undefined;
      is: boolean;
    };

/**
 * The size a criteria tree may have. Depth is what endangers the server: zod's parser, the
 * compiler and the SQL parsers all recurse once per level (1,000 levels made SQLite refuse the
 * statement, 2,000 overflowed the Node stack), so the limit is far below any of them and far above
 * what a person builds by hand. Nodes and list values bound the work and the bound parameters of
 * one statement (PostgreSQL takes at most 65,535, SQLite 32,766).
 */
export const criteriaLimits = { maxDepth: 32, maxNodes: 1000, maxListValues: 10_000 } as const;

/**
 * Refuses criteria deeper or larger than `criteriaLimits` with CRITERIA_TOO_DEEP or
 * CRITERIA_TOO_LARGE naming the path. It walks the raw JSON with an explicit stack (no recursion,
 * so no depth can overflow it) and stops at the first node over a limit, so it must run before
 * anything recursive touches the tree. Only `child` and `children` are followed: they are the
 * only places the schema recurses; anything else malformed is left to the schema to report.
 */
export function checkCriteriaLimits(raw: unknown, field = 'criteria'): void {
  const { maxDepth, maxNodes, maxListValues } = criteriaLimits;
  const stack: Array<{ node: unknown; depth: number; path: string }> = [{ node: raw, depth: 1, path: field }];
  let nodes = 1;
  let listValues = 0;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, depth, path } = item;
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    if (depth > maxDepth) {
      throw invalid('CRITERIA_TOO_DEEP', `criteria may be nested at most ${maxDepth} levels deep`, {
        field: path,
        maxDepth,
      });
    }
    const { child, children, value } = node as { child?: unknown; children?: unknown; value?: unknown };
    if (Array.isArray(value)) {
      listValues += value.length;
      if (listValues > maxListValues) throw tooLarge(`${path}.value`);
    }
    if (child !== undefined) {
      nodes += 1;
      stack.push({ node: child, depth: depth + 1, path: `${path}.child` });
    }
    if (Array.isArray(children)) {
      // counted before they are pushed: a million children is refused without a million pushes
      nodes += children.length;
      if (nodes > maxNodes) throw tooLarge(`${path}.children`);
      for (let i = children.length - 1; i >= 0; i--) {
        stack.push({ node: children[i], depth: depth + 1, path: `${path}.children[${i}]` });
      }
    }
    if (nodes > maxNodes) throw tooLarge(path);
  }
}

function tooLarge(path: string): never {
  const { maxNodes, maxListValues } = criteriaLimits;
  throw invalid(
    'CRITERIA_TOO_LARGE',
    `criteria may have at most ${maxNodes} criteria and ${maxListValues} list values in all`,
    { field: path, maxNodes, maxListValues },
  );
}

/**
 * A criteria tree. The limits are checked first, on the raw JSON (a preprocess step, so the
 * OpenAPI description still shows the tree): a refused tree throws the AppError out of the parse,
 * which the HTTP layer answers as 400 with its own code rather than as a validation issue.
 */
export const criterionSchema: z.ZodType<Criterion> = z.preprocess(
  (raw: unknown) => {
    checkCriteriaLimits(raw);
    return raw;
  },
  z.lazy(() => criterionNodeSchema),
);

/**
 * One node of the tree; it recurses into itself, so only `criterionSchema` may be used from outside.
 * Named (`id: 'Criterion'`, below): the OpenAPI document describes the recursion once, as the
 * component `CriterionInput` that refers to itself (an unnamed recursive schema left a dangling `$ref`).
 */
const criterionNodeSchema: z.ZodType<Criterion> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('group'),
      op: z.enum(['and', 'or']),
      children: z.array(criterionNodeSchema).max(100),
    }),
    z.strictObject({ type: z.literal('not'), child: criterionNodeSchema }),
    z.strictObject({
      type: z.literal('field'),
      entity: z.enum(['person', 'company']),
      field: z.string(),
      op: z.enum(allOperators as unknown as [Operator, ...Operator[]]),
      value: value.optional(),
    }),
    z.strictObject({
      type: z.literal('customField'),
      entity: z.enum(['person', 'company']),
      key: z.string(),
      op: z.enum(allOperators as unknown as [Operator, ...Operator[]]),
      value: value.optional(),
    }),
    z.strictObject({
      type: z.literal('subscription'),
      subscriptionTypeId: z.union([z.number().int().positive(), z.literal('any')]),
      active: z.boolean(),
    }),
    z.strictObject({
      type: z.literal('consent'),
      purpose: z.enum(consentPurposes),
      state: z.enum(['active', 'withdrawn', 'missing']),
    }),
    z.strictObject({ type: z.literal('interest'), interest: z.string().min(1).max(100), has: z.boolean() }),
    z.strictObject({
      type: z.literal('engagement'),
      event: z.enum(['read', 'clicked', 'bounced', 'received']),
      mailingId: z.number().int().positive().optional(),
      linkNo: z.number().int().min(1).optional(),
      is: z.boolean(),
    }),
  ]),
);
z.globalRegistry.add(criterionNodeSchema, { id: 'Criterion' });

export type Root = 'person' | 'company';

export interface CompiledCriteria {
  where: RawBuilder<SqlBool>;
  /** Whether `companies c` must be joined to `persons p`. */
  joinsCompany: boolean;
}

interface Lookup {
  customFields: Map<string, { id: number; type: FieldType }>;
  interests: Map<string, number>;
  subscriptionTypes: Set<number>;
  mailings: Set<number>;
}

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/**
 * Compiles a tree. Unknown fields, custom fields, interests, subscription types, operators that do
 * not fit the field's type and missing values are refused with CRITERIA_INVALID naming the path.
 */
export async function compileCriteria(
  db: Kysely<Database>,
  tree: Criterion,
  root: Root,
): Promise<CompiledCriteria> {
  const [fields, interests, types] = await Promise.all([
    db.selectFrom('custom_fields').select(['id', 'entity', 'key', 'type']).execute(),
    db.selectFrom('interests').select(['id', 'name']).execute(),
    db.selectFrom('subscription_types').select('id').execute(),
  ]);
  const mailings = JSON.stringify(tree).includes('"engagement"')
    ? await db.selectFrom('mailings').select('id').execute()
    : [];
  const lookup: Lookup = {
    customFields: new Map(fields.map((f) => [`${f.entity}.${f.key}`, { id: f.id, type: f.type }])),
    interests: new Map(interests.map((i) => [i.name.toLowerCase(), i.id])),
    subscriptionTypes: new Set(types.map((t) => t.id)),
    mailings: new Set(mailings.map((m) => m.id)),
  };
  const state = { joinsCompany: false };
  const where = compileNode(tree, root, lookup, state, 'criteria');
  return { where, joinsCompany: state.joinsCompany };
}

function fail(path: string, message: string): never {
  throw invalid('CRITERIA_INVALID', `${path}: ${message}`, { field: path });
}

function compileNode(
  node: Criterion,
  root: Root,
  lookup: Lookup,
  state: { joinsCompany: boolean },
  path: string,
  negated = false,
): RawBuilder<SqlBool> {
  switch (node.type) {
    case 'group': {
      if (node.children.length === 0) return node.op === 'and' ? TRUE : FALSE;
      const parts = node.children.map((c, i) =>
        compileNode(c, root, lookup, state, `${path}.children[${i}]`, negated),
      );
      return sql<SqlBool>`(${sql.join(parts, node.op === 'and' ? sql` and ` : sql` or `)})`;
    }
    case 'not':
      return sql<SqlBool>`not (${compileNode(node.child, root, lookup, state, `${path}.child`, !negated)})`;
    case 'field': {
      const catalogue = node.entity === 'person' ? personFields : companyFields;
      if (root === 'company' && node.entity === 'person')
        fail(path, 'a company selection cannot test person fields');
      const def = Object.hasOwn(catalogue, node.field) ? catalogue[node.field] : undefined;
      if (!def) fail(`${path}.field`, `unknown ${node.entity} field "${node.field}"`);
      if (node.entity === 'company' && root === 'person') state.joinsCompany = true;
      const test = comparison(sql.ref(def.column), def.type, node.op, node.value, path);
      // Two-valued under NOT: a comparison with an empty (NULL) value is false, never unknown, so
      // NOT (city = 'Oslo') includes the persons without a city, as a user means it. Elsewhere
      // unknown already excludes the row (AND, OR and WHERE treat it as false), so the leaf stays
      // bare and cheap.
      return negated ? sql<SqlBool>`coalesce(${test}, false)` : test;
    }
    case 'customField': {
      if (root === 'company' && node.entity === 'person')
        fail(path, 'a company selection cannot test person fields');
      const def = lookup.customFields.get(`${node.entity}.${node.key}`);
      if (!def) fail(`${path}.key`, `unknown ${node.entity} custom field "${node.key}"`);
      const owner =
        node.entity === 'person'
          ? sql.ref('p.id')
          : root === 'person'
            ? sql.ref('p.company_id')
            : sql.ref('c.id');
      const exists = (cond: RawBuilder<SqlBool>) =>
        sql<SqlBool>`exists (select 1 from custom_values cv where cv.field_id = ${def.id} and cv.owner_id = ${owner} and ${cond})`;
      if (node.op === 'isEmpty') return sql<SqlBool>`not ${exists(TRUE)}`;
      if (node.op === 'isNotEmpty') return exists(TRUE);
      const column = def.type === 'text' ? sql.ref('cv.value_text') : sql.ref('cv.value_number');
      return exists(comparison(column, def.type, node.op, node.value, path));
    }
    case 'subscription': {
      if (root !== 'person') fail(path, 'subscriptions belong to persons');
      if (node.subscriptionTypeId !== 'any' && !lookup.subscriptionTypes.has(node.subscriptionTypeId)) {
        fail(`${path}.subscriptionTypeId`, `unknown subscription type ${node.subscriptionTypeId}`);
      }
      const typeCond =
        node.subscriptionTypeId === 'any'
          ? TRUE
          : sql<SqlBool>`s.subscription_type_id = ${node.subscriptionTypeId}`;
      const exists = sql<SqlBool>`exists (select 1 from subscriptions s where s.person_id = p.id and s.status = 'active' and ${typeCond})`;
      return node.active ? exists : sql<SqlBool>`not ${exists}`;
    }
    case 'consent': {
      if (root !== 'person') fail(path, 'consent belongs to persons');
      const base = sql`select 1 from consents_current cc where cc.person_id = p.id and cc.purpose = ${node.purpose}`;
      if (node.state === 'active') return sql<SqlBool>`exists (${base} and cc.legal_basis <> 'withdrawn')`;
      if (node.state === 'withdrawn') return sql<SqlBool>`exists (${base} and cc.legal_basis = 'withdrawn')`;
      return sql<SqlBool>`not exists (${base})`;
    }
    case 'interest': {
      if (root !== 'person') fail(path, 'interests belong to persons');
      const id = lookup.interests.get(node.interest.toLowerCase());
      if (id === undefined) fail(`${path}.interest`, `unknown interest "${node.interest}"`);
      const exists = sql<SqlBool>`exists (select 1 from person_interests pi where pi.person_id = p.id and pi.interest_id = ${id})`;
      return node.has ? exists : sql<SqlBool>`not ${exists}`;
    }
    case 'engagement': {
      if (root !== 'person') fail(path, 'engagement belongs to persons');
      if (node.mailingId !== undefined && !lookup.mailings.has(node.mailingId))
        fail(`${path}.mailingId`, `unknown mailing ${node.mailingId}`);
      if (node.linkNo !== undefined && (node.event !== 'clicked' || node.mailingId === undefined))
        fail(`${path}.linkNo`, 'a link number needs event "clicked" and a mailingId');
      const mailing = node.mailingId === undefined ? sql`` : sql` and r.mailing_id = ${node.mailingId}`;
      const cond =
        node.event === 'read'
          ? sql`r.first_read_at is not null`
          : node.event === 'clicked'
            ? node.linkNo !== undefined
              ? sql`exists (select 1 from link_clickers k where k.recipient_id = r.id and k.mailing_id = ${node.mailingId} and k.link_no = ${node.linkNo})`
              : sql`r.first_click_at is not null`
            : node.event === 'bounced'
              ? sql`r.status = 'bounced'`
              : sql`r.status in ('sent', 'delivered', 'read', 'bounced', 'complained')`;
      const exists = sql<SqlBool>`exists (select 1 from recipients r where r.person_id = p.id${mailing} and ${cond})`;
      return node.is ? exists : sql<SqlBool>`not ${exists}`;
    }
    default: {
      const unreachable: never = node;
      return fail(path, `unknown criterion ${JSON.stringify(unreachable)}`);
    }
  }
}

type Value = string | number | boolean | Array<string | number | boolean> | undefined;

function comparison(
  column: RawBuilder<unknown>,
  type: FieldType,
  op: Operator,
  value: Value,
  path: string,
): RawBuilder<SqlBool> {
  const allowed: readonly string[] =
    type === 'text' ? textOperators : type === 'boolean' ? booleanOperators : orderedOperators;
  if (!allowed.includes(op))
    fail(`${path}.op`, `"${op}" does not apply to a ${type} field (use ${allowed.join(', ')})`);
  if (op === 'isEmpty') {
    return type === 'text'
      ? sql<SqlBool>`(${column} is null or ${column} = '')`
      : sql<SqlBool>`${column} is null`;
  }
  if (op === 'isNotEmpty') {
    return type === 'text'
      ? sql<SqlBool>`(${column} is not null and ${column} <> '')`
      : sql<SqlBool>`${column} is not null`;
  }
  if (op === 'isTrue') return sql<SqlBool>`${column} = 1`;
  if (op === 'isFalse') return sql<SqlBool>`(${column} is null or ${column} = 0)`;
  if (type === 'text') {
    if (op === 'in' || op === 'notIn') {
      const list = (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) =>
        String(v).toLowerCase(),
      );
      if (list.length === 0) fail(`${path}.value`, 'a list of at least one value is needed');
      const inList = sql<SqlBool>`${lowerOf(column, list)} in (${sql.join(list)})`;
      return op === 'in' ? inList : sql<SqlBool>`(${column} is null or not ${inList})`;
    }
    const v = single(value, path).toLowerCase();
    const escaped = v.replace(/[!%_]/g, (c) => `!${c}`);
    switch (op) {
      case 'eq':
        return sql<SqlBool>`${lowerOf(column, [v])} = ${v}`;
      case 'neq':
        return sql<SqlBool>`(${column} is null or ${lowerOf(column, [v])} <> ${v})`;
      case 'contains':
        return sql<SqlBool>`${lowerOf(column, [v])} like ${`%${escaped}%`} escape '!'`;
      case 'startsWith':
        return sql<SqlBool>`${lowerOf(column, [v])} like ${`${escaped}%`} escape '!'`;
      default:
        return fail(`${path}.op`, `"${op}" does not apply to a text field`);
    }
  }
  const toNumber = (v: string | number | boolean): number => {
    const n = type === 'date' && typeof v === 'string' ? Date.parse(v) : Number(v);
    if (!Number.isFinite(n))
      fail(`${path}.value`, `"${String(v)}" is not a ${type === 'date' ? 'date' : 'number'}`);
    return n;
  };
  if (op === 'between') {
    if (!Array.isArray(value) || value.length !== 2) fail(`${path}.value`, 'between needs [from, to]');
    const [from, to] = value as [string | number | boolean, string | number | boolean];
    return sql<SqlBool>`(${column} >= ${toNumber(from)} and ${column} <= ${toNumber(to)})`;
  }
  if (value === undefined || Array.isArray(value)) fail(`${path}.value`, 'one value is needed');
  const n = toNumber(value);
  const symbol = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' }[op as 'eq'];
  if (symbol === undefined) fail(`${path}.op`, `"${op}" does not apply to a ${type} field`);
  return sql<SqlBool>`${column} ${sql.raw(symbol)} ${n}`;
}

/**
 * Lower-cases a column for a case-insensitive comparison with `needles` (already lower-cased).
 * SQLite's built-in lower() folds only ASCII; `posthorn_lower` (registered on SQLite, a plain SQL
 * function on PostgreSQL) folds all of Unicode (Å → å) but costs a call per row, so it is used
 * only when a needle has a non-ASCII character: an ASCII needle can only equal, contain or start
 * a value whose matching part is ASCII.
 */
function lowerOf(column: RawBuilder<unknown>, needles: string[]): RawBuilder<unknown> {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at U+0000
  return needles.some((n) => /[^\u0000-\u007f]/.test(n))
    ? sql`posthorn_lower(${column})`
    : sql`lower(${column})`;
}

function single(value: Value, path: string): string {
  if (value === undefined || Array.isArray(value)) fail(`${path}.value`, 'one value is needed');
  return String(value);
}
