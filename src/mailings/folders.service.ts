import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type Actor, type AuditSink, type Clock, invalid, notFound } from '../core/index.js';
import type { Database } from '../storage/index.js';

export const folderKinds = ['mailing', 'template', 'link', 'form'] as const;
export const folderInput = z.strictObject({
  kind: z.enum(folderKinds),
  name: z.string().trim().min(1).max(200),
  parentId: z.number().int().positive().nullish(),
});
export const folderPatch = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  parentId: z.number().int().positive().nullish(),
});

export interface Folder {
  id: number;
  kind: (typeof folderKinds)[number];
  name: string;
  parentId: number | null;
}

/** Nested folders for mailings, templates, links and forms (PRODUCT.md §5). */
export class FoldersService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
  ) {}

  async list(kind?: Folder['kind']): Promise<Folder[]> {
    let q = this.db.selectFrom('folders').selectAll();
    if (kind) q = q.where('kind', '=', kind);
    const rows = await q.orderBy('name').execute();
    return rows.map((r) => ({ id: r.id, kind: r.kind, name: r.name, parentId: r.parent_id }));
  }

  async get(id: number): Promise<Folder> {
    const r = await this.db.selectFrom('folders').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('FOLDER_NOT_FOUND', `folder ${id} does not exist`, { field: 'folderId' });
    return { id: r.id, kind: r.kind, name: r.name, parentId: r.parent_id };
  }

  /** Throws unless `id` is a folder of `kind` (null is the top level). */
  async requireKind(id: number | null | undefined, kind: Folder['kind']): Promise<void> {
    if (id === null || id === undefined) return;
    const f = await this.get(id);
    if (f.kind !== kind)
      throw invalid('FOLDER_WRONG_KIND', `folder ${id} holds ${f.kind}s, not ${kind}s`, {
        field: 'folderId',
      });
  }

  async create(input: z.input<typeof folderInput>, actor: Actor): Promise<Folder> {
    const v = folderInput.parse(input);
    await this.requireKind(v.parentId, v.kind);
    const r = await this.db
      .insertInto('folders')
      .values({ kind: v.kind, name: v.name, parent_id: v.parentId ?? null, created_at: this.clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'folder.create', 'folder', r.id, v);
    return this.get(r.id);
  }

  async update(id: number, input: z.input<typeof folderPatch>, actor: Actor): Promise<Folder> {
    const current = await this.get(id);
    const v = folderPatch.parse(input);
    if (v.parentId !== undefined && v.parentId !== null) {
      await this.requireKind(v.parentId, current.kind);
      // a folder cannot move into itself or below itself
      for (let p: number | null = v.parentId; p !== null; p = (await this.get(p)).parentId) {
        if (p === id)
          throw invalid('FOLDER_CYCLE', 'a folder cannot be moved into itself', { field: 'parentId' });
      }
    }
    await this.db
      .updateTable('folders')
      .set({
        ...(v.name !== undefined ? { name: v.name } : {}),
        ...(v.parentId !== undefined ? { parent_id: v.parentId } : {}),
      })
      .where('id', '=', id)
      .execute();
    await this.audit.record(actor, 'folder.update', 'folder', id, v);
    return this.get(id);
  }

  /** Deletes the folder and its sub-folders; what was in them moves to the top level. */
  async delete(id: number, actor: Actor): Promise<void> {
    await this.get(id);
    await this.db.deleteFrom('folders').where('id', '=', id).execute();
    await this.audit.record(actor, 'folder.delete', 'folder', id);
  }
}
