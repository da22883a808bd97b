import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import {
  type Actor,
  type AuditSink,
  type Clock,
  invalid,
  notFound,
  type Page,
  type PageQuery,
  patchSchemaOf,
} from '../core/index.js';
import type { Database } from '../storage/index.js';
import { fullName } from './persons.service.js';

export const projectInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  status: z.enum(['planned', 'inProgress', 'completed', 'stopped']).default('inProgress'),
  description: z.string().trim().max(5000).nullish(),
});
/** A merge patch of a project: description takes `null` (cleared); name and status do not. */
export const projectPatch = patchSchemaOf(projectInput);
export const projectMembersInput = z.strictObject({
  personIds: z.array(z.number().int().positive()).min(1).max(10_000),
  role: z.string().trim().max(100).nullish(),
});

export interface Project {
  id: number;
  name: string;
  status: string;
  description: string | null;
  memberCount: number;
  createdAt: number;
  updatedAt: number;
}

export interface ProjectMember {
  personId: number;
  name: string;
  email: string | null;
  companyName: string | null;
  role: string | null;
  addedAt: number;
}

export class ProjectsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
  ) {}

  async create(input: z.input<typeof projectInput>, actor: Actor): Promise<Project> {
    const v = projectInput.parse(input);
    const now = this.clock.now();
    const row = await this.db
      .insertInto('projects')
      .values({
        name: v.name,
        status: v.status,
        description: v.description ?? null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'project.create', 'project', row.id, v);
    return this.get(row.id);
  }

  async update(id: number, input: z.input<typeof projectPatch>, actor: Actor): Promise<Project> {
    await this.get(id);
    const v = projectPatch.parse(input);
    const set: { name?: string; status?: string; description?: string | null; updated_at: number } = {
      updated_at: this.clock.now(),
    };
    if (v.name !== undefined) set.name = v.name;
    if (v.status !== undefined) set.status = v.status;
    if (v.description !== undefined) set.description = v.description;
    await this.db.updateTable('projects').set(set).where('id', '=', id).execute();
    await this.audit.record(actor, 'project.update', 'project', id, v);
    return this.get(id);
  }

  async delete(id: number, actor: Actor): Promise<void> {
    await this.get(id);
    await this.db.deleteFrom('projects').where('id', '=', id).execute();
    await this.audit.record(actor, 'project.delete', 'project', id);
  }

  async get(id: number): Promise<Project> {
    const row = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('PROJECT_NOT_FOUND', `project ${id} does not exist`);
    return toProject(row, await this.memberCount(id));
  }

  async list(query: PageQuery): Promise<Page<Project>> {
    const rows = await this.db
      .selectFrom('projects as pr')
      .selectAll('pr')
      .select((eb) =>
        eb
          .selectFrom('project_members as pm')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('pm.project_id', '=', 'pr.id')
          .as('member_count'),
      )
      .orderBy('pr.name')
      .orderBy('pr.id')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    const total = await this.db
      .selectFrom('projects')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return {
      items: rows.map((r) => toProject(r, Number(r.member_count ?? 0))),
      total: Number(total?.n ?? 0),
    };
  }

  async members(id: number, query: PageQuery): Promise<Page<ProjectMember>> {
    await this.get(id);
    const base = this.db
      .selectFrom('project_members as pm')
      .innerJoin('persons as p', 'p.id', 'pm.person_id')
      .leftJoin('companies as c', 'c.id', 'p.company_id')
      .where('pm.project_id', '=', id);
    const rows = await base
      .select([
        'p.id',
        'p.first_name',
        'p.middle_name',
        'p.last_name',
        'p.email',
        'c.name as company_name',
        'pm.role',
        'pm.added_at',
      ])
      .orderBy('p.last_name_key')
      .orderBy('p.id')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return {
      items: rows.map((r) => ({
        personId: r.id,
        name: fullName(r.first_name, r.middle_name, r.last_name),
        email: r.email,
        companyName: r.company_name,
        role: r.role,
        addedAt: r.added_at,
      })),
      total: await this.memberCount(id),
    };
  }

  /** Adds persons (or changes their role when already members). */
  async addMembers(
    id: number,
    input: z.input<typeof projectMembersInput>,
    actor: Actor,
  ): Promise<{ added: number }> {
    await this.get(id);
    const v = projectMembersInput.parse(input);
    const ids = [...new Set(v.personIds)];
    const found = new Set(
      (await this.db.selectFrom('persons').select('id').where('id', 'in', ids).execute()).map((r) => r.id),
    );
    const missing = ids.filter((p) => !found.has(p));
    if (missing.length > 0) {
      throw invalid('MEMBER_NOT_FOUND', `no person with id ${missing.slice(0, 10).join(', ')}`, {
        field: 'personIds',
        missing,
      });
    }
    const now = this.clock.now();
    const role = v.role ?? null;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < ids.length; i += 500) {
        await trx
          .insertInto('project_members')
          .values(ids.slice(i, i + 500).map((p) => ({ project_id: id, person_id: p, role, added_at: now })))
          .onConflict((oc) => oc.columns(['project_id', 'person_id']).doUpdateSet({ role }))
          .execute();
      }
    });
    await this.audit.record(actor, 'project.addMembers', 'project', id, { count: ids.length, role });
    return { added: ids.length };
  }

  async removeMember(id: number, personId: number, actor: Actor): Promise<void> {
    const r = await this.db
      .deleteFrom('project_members')
      .where('project_id', '=', id)
      .where('person_id', '=', personId)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) {
      throw notFound('PROJECT_MEMBER_NOT_FOUND', `person ${personId} is not a member of project ${id}`);
    }
    await this.audit.record(actor, 'project.removeMember', 'project', id, { personId });
  }

  private async memberCount(id: number): Promise<number> {
    const r = await this.db
      .selectFrom('project_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', id)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}

function toProject(r: Selectable<Database['projects']>, memberCount: number): Project {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    description: r.description,
    memberCount,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
