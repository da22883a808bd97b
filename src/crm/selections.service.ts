import { type Kysely, type Selectable, sql } from 'kysely';
import { z } from 'zod';
import {
  type Actor,
  type AuditSink,
  type Clock,
  conflict,
  invalid,
  isAppError,
  notFound,
  type Page,
  type PageQuery,
  patchSchemaOf,
  searchKey,
} from '../core/index.js';
import type { Database } from '../storage/index.js';
import { type Criterion, compileCriteria, criterionSchema } from './criteria.js';
import { fullName } from './persons.service.js';

export const selectionInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).nullish(),
  kind: z.enum(['static', 'dynamic']),
  memberType: z.enum(['persons', 'companies']).default('persons'),
  criteria: criterionSchema.nullish(),
});
/**
 * A merge patch of a selection (kind and member type are fixed): description takes `null`
 * (cleared); `criteria: null` is refused for a dynamic selection (it needs criteria: an empty group
 * selects everyone, which must be asked for) and changes nothing on a static one (it has none).
 */
export const selectionPatch = patchSchemaOf(selectionInput.omit({ kind: true, memberType: true }));

export interface Selection {
  id: number;
  name: string;
  description: string | null;
  kind: 'static' | 'dynamic';
  memberType: 'persons' | 'companies';
  criteria: Criterion | null;
  /** Null in lists for dynamic selections (counting runs the criteria); set by `get` unless the criteria are unreadable. */
  memberCount: number | null;
  /**
   * Set when the stored criteria cannot be read (a row written before the size limits, or by
   * hand): `criteria` and `memberCount` are then null, and the selection can be fixed with new
   * criteria (PATCH) or deleted, but not counted, listed or used in a mailing.
   */
  criteriaError?: { code: string; message: string } | undefined;
  createdAt: number;
  updatedAt: number;
}

export interface SelectionMember {
  id: number;
  name: string;
  email: string | null;
  companyName: string | null;
}

/**
 * Selections: static (explicit members) and dynamic (criteria evaluated when used). Counting and
 * listing a dynamic selection run its compiled criteria as one SQL statement.
 */
export class SelectionsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
  ) {}

  async create(input: z.input<typeof selectionInput>, actor: Actor): Promise<Selection> {
    const v = selectionInput.parse(input);
    if (v.kind === 'static' && v.criteria) {
      throw invalid('SELECTION_STATIC_HAS_CRITERIA', 'a static selection has members, not criteria', {
        field: 'criteria',
      });
    }
    const criteria = v.kind === 'dynamic' ? (v.criteria ?? { type: 'group', op: 'and', children: [] }) : null;
    if (criteria) await compileCriteria(this.db, criteria, rootOf(v.memberType));
    const now = this.clock.now();
    const row = await this.db
      .insertInto('selections')
      .values({
        name: v.name,
        description: v.description ?? null,
        kind: v.kind,
        member_type: v.memberType,
        criteria: criteria ? JSON.stringify(criteria) : null,
        created_by: actor.userId,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'selection.create', 'selection', row.id, { name: v.name, kind: v.kind });
    return this.get(row.id);
  }

  async update(id: number, input: z.input<typeof selectionPatch>, actor: Actor): Promise<Selection> {
    // the row, not `get`: unreadable stored criteria must not stop them being replaced
    const current = await this.requireRow(id);
    const v = selectionPatch.parse(input);
    const set: { name?: string; description?: string | null; criteria?: string; updated_at: number } = {
      updated_at: this.clock.now(),
    };
    if (v.name !== undefined) set.name = v.name;
    if (v.description !== undefined) set.description = v.description;
    if (v.criteria === null && current.kind === 'dynamic')
      throw invalid(
        'SELECTION_CRITERIA_REQUIRED',
        'criteria: a dynamic selection needs criteria; send an empty group to select everyone',
        { field: 'criteria' },
      );
    if (v.criteria !== undefined && v.criteria !== null) {
      if (current.kind === 'static') {
        throw invalid('SELECTION_STATIC_HAS_CRITERIA', 'a static selection has members, not criteria', {
          field: 'criteria',
        });
      }
      await compileCriteria(this.db, v.criteria, rootOf(current.member_type));
      set.criteria = JSON.stringify(v.criteria);
    }
    await this.db.updateTable('selections').set(set).where('id', '=', id).execute();
    await this.audit.record(actor, 'selection.update', 'selection', id, v);
    return this.get(id);
  }

  async delete(id: number, actor: Actor): Promise<void> {
    // the row only: deleting never reads the criteria, so any stored selection can be deleted
    await this.requireRow(id);
    await this.db.deleteFrom('selections').where('id', '=', id).execute();
    await this.audit.record(actor, 'selection.delete', 'selection', id);
  }

  async get(id: number): Promise<Selection> {
    const row = await this.requireRow(id);
    if (row.kind === 'dynamic' && !storedCriteria(row).ok) return toSelection(row, null);
    return toSelection(row, await this.countMembers(row));
  }

  async list(query: PageQuery): Promise<Page<Selection>> {
    let q = this.db.selectFrom('selections');
    const key = searchKey(query.q);
    // few selections: a LIKE scan is fine, and it is collation-independent
    if (key !== '')
      q = q.where(sql<boolean>`lower(name) like ${`${key.replace(/[!%_]/g, (c) => `!${c}`)}%`} escape '!'`);
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('name').orderBy('id').limit(query.limit).offset(query.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    const items: Selection[] = [];
    for (const r of rows) items.push(toSelection(r, r.kind === 'static' ? await this.countMembers(r) : null));
    return { items, total: Number(total?.n ?? 0) };
  }

  /** Counts what a criteria tree would select, without saving it. */
  async countCriteria(criteria: Criterion, memberType: 'persons' | 'companies'): Promise<number> {
    const from = await this.dynamicFrom(criteria, memberType);
    const r = await sql<{ n: number | string }>`select count(*) as n ${from}`.execute(this.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  async members(id: number, query: PageQuery): Promise<Page<SelectionMember>> {
    const row = await this.requireRow(id);
    const ids = await this.memberIdsSql(row);
    const persons = row.member_type === 'persons';
    const base = persons
      ? sql`from persons p left join companies c on c.id = p.company_id where p.id in (${ids})`
      : sql`from companies c where c.id in (${ids})`;
    const order = persons ? sql`order by p.last_name_key, p.id` : sql`order by c.name_key, c.id`;
    const cols = persons
      ? sql`p.id, p.first_name, p.middle_name, p.last_name, p.email, c.name as company_name`
      : sql`c.id, c.name as first_name, null as middle_name, '' as last_name, c.email, null as company_name`;
    const [rows, total] = await Promise.all([
      sql<{
        id: number;
        first_name: string;
        middle_name: string | null;
        last_name: string;
        email: string | null;
        company_name: string | null;
      }>`select ${cols} ${base} ${order} limit ${query.limit} offset ${query.offset}`.execute(this.db),
      sql<{ n: number | string }>`select count(*) as n ${base}`.execute(this.db),
    ]);
    return {
      items: rows.rows.map((r) => ({
        id: Number(r.id),
        name: fullName(r.first_name, r.middle_name, r.last_name),
        email: r.email,
        companyName: r.company_name,
      })),
      total: Number(total.rows[0]?.n ?? 0),
    };
  }

  async addMembers(id: number, memberIds: number[], actor: Actor): Promise<{ added: number }> {
    const row = await this.requireStatic(id);
    const table = row.member_type === 'persons' ? 'persons' : 'companies';
    const unique = [...new Set(memberIds)];
    const existing = unique.length
      ? await this.db.selectFrom(table).select('id').where('id', 'in', unique).execute()
      : [];
    const found = new Set(existing.map((e) => e.id));
    const missing = unique.filter((m) => !found.has(m));
    if (missing.length > 0) {
      throw invalid('MEMBER_NOT_FOUND', `no ${table} with id ${missing.slice(0, 10).join(', ')}`, {
        field: 'ids',
        missing,
      });
    }
    const now = this.clock.now();
    let added = 0;
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      const r = await this.db
        .insertInto('selection_members')
        .values(chunk.map((m) => ({ selection_id: id, member_id: m, added_at: now })))
        .onConflict((oc) => oc.columns(['selection_id', 'member_id']).doNothing())
        .executeTakeFirst();
      added += Number(r.numInsertedOrUpdatedRows ?? 0);
    }
    await this.audit.record(actor, 'selection.addMembers', 'selection', id, { count: added });
    return { added };
  }

  async removeMembers(id: number, memberIds: number[], actor: Actor): Promise<{ removed: number }> {
    await this.requireStatic(id);
    if (memberIds.length === 0) return { removed: 0 };
    const r = await this.db
      .deleteFrom('selection_members')
      .where('selection_id', '=', id)
      .where('member_id', 'in', memberIds)
      .executeTakeFirst();
    await this.audit.record(actor, 'selection.removeMembers', 'selection', id, {
      count: Number(r.numDeletedRows),
    });
    return { removed: Number(r.numDeletedRows) };
  }

  /**
   * A SQL fragment selecting the member ids (person or company ids) of a selection, for use as a
   * subquery: the recipients module freezes mailings from it set-based.
   */
  async memberIdsSql(row: Selectable<Database['selections']>) {
    if (row.kind === 'static')
      return sql`select member_id from selection_members where selection_id = ${row.id}`;
    const from = await this.dynamicFrom(readableCriteria(row), row.member_type);
    return sql`select ${sql.ref(row.member_type === 'persons' ? 'p.id' : 'c.id')} ${from}`;
  }

  private async dynamicFrom(criteria: Criterion, memberType: 'persons' | 'companies') {
    const compiled = await compileCriteria(this.db, criteria, rootOf(memberType));
    if (memberType === 'companies') return sql`from companies c where ${compiled.where}`;
    const join = compiled.joinsCompany ? sql`left join companies c on c.id = p.company_id` : sql``;
    return sql`from persons p ${join} where ${compiled.where}`;
  }

  private async countMembers(row: Selectable<Database['selections']>): Promise<number> {
    if (row.kind === 'static') {
      const r = await this.db
        .selectFrom('selection_members')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('selection_id', '=', row.id)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    }
    return this.countCriteria(readableCriteria(row), row.member_type);
  }

  private async requireRow(id: number): Promise<Selectable<Database['selections']>> {
    const row = await this.db.selectFrom('selections').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('SELECTION_NOT_FOUND', `selection ${id} does not exist`);
    return row;
  }

  private async requireStatic(id: number): Promise<Selectable<Database['selections']>> {
    const row = await this.requireRow(id);
    if (row.kind !== 'static') {
      throw invalid('SELECTION_NOT_STATIC', `selection ${id} is dynamic: its members come from its criteria`);
    }
    return row;
  }
}

function rootOf(memberType: 'persons' | 'companies'): 'person' | 'company' {
  return memberType === 'persons' ? 'person' : 'company';
}

type StoredCriteria = { ok: true; criteria: Criterion } | { ok: false; code: string; message: string };

/**
 * The stored criteria of a dynamic selection, read defensively: the text is checked against the
 * size limits before anything recursive parses it, and whatever fails (bad JSON, too deep, an old
 * shape) is reported as a value rather than thrown, so one bad row cannot break a list.
 */
function storedCriteria(row: Selectable<Database['selections']>): StoredCriteria {
  try {
    // V8 parses JSON without recursion (any depth is safe); what fails is caught below anyway
    const raw: unknown = JSON.parse(row.criteria ?? '{"type":"group","op":"and","children":[]}');
    const parsed = criterionSchema.safeParse(raw);
    if (parsed.success) return { ok: true, criteria: parsed.data };
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      code: 'CRITERIA_INVALID',
      message: `${['criteria', ...(issue?.path ?? []).map(String)].join('.')}: ${issue?.message ?? 'invalid'}`,
    };
  } catch (error) {
    if (isAppError(error)) return { ok: false, code: error.code, message: error.message };
    return {
      ok: false,
      code: 'CRITERIA_INVALID',
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

/** The stored criteria, or SELECTION_CRITERIA_UNREADABLE (409: the row, not the request, is wrong). */
function readableCriteria(row: Selectable<Database['selections']>): Criterion {
  const stored = storedCriteria(row);
  if (stored.ok) return stored.criteria;
  throw conflict(
    'SELECTION_CRITERIA_UNREADABLE',
    `the stored criteria of selection ${row.id} cannot be read (${stored.code}: ${stored.message}); replace them with PATCH or delete the selection`,
    { field: 'criteria', cause: stored.code },
  );
}

function toSelection(r: Selectable<Database['selections']>, memberCount: number | null): Selection {
  const stored = r.criteria !== null ? storedCriteria(r) : null;
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    memberType: r.member_type,
    criteria: stored?.ok ? stored.criteria : null,
    memberCount,
    ...(stored && !stored.ok ? { criteriaError: { code: stored.code, message: stored.message } } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
