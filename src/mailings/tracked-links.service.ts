import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import {
  type Actor,
  type AuditSink,
  type Clock,
  notFound,
  type Page,
  type PageQuery,
  patchSchemaOf,
} from '../core/index.js';
import type { Database } from '../storage/index.js';
import type { FoldersService } from './folders.service.js';

/** What a click does besides counting (PRODUCT.md §7); run by the tracking module. */
export const linkActionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('redirect') }),
  z.strictObject({ type: z.literal('textPage'), text: z.string().min(1).max(5000) }),
  z.strictObject({
    type: z.literal('setPersonField'),
    field: z.string().min(1).max(100),
    value: z.string().max(1000),
  }),
  z.strictObject({ type: z.literal('setInterest'), interest: z.string().min(1).max(100) }),
  z.strictObject({ type: z.literal('clearInterest'), interest: z.string().min(1).max(100) }),
  z.strictObject({ type: z.literal('addToSelection'), selectionId: z.number().int().positive() }),
  z.strictObject({ type: z.literal('removeFromSelection'), selectionId: z.number().int().positive() }),
  z.strictObject({ type: z.literal('addToProject'), projectId: z.number().int().positive() }),
  z.strictObject({ type: z.literal('removeFromProject'), projectId: z.number().int().positive() }),
  z.strictObject({ type: z.literal('createFollowUpTask'), text: z.string().min(1).max(1000) }),
]);
export type LinkAction = z.infer<typeof linkActionSchema>;

const httpsUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((u) => {
    try {
      const p = new URL(u).protocol;
      return p === 'https:' || p === 'http:';
    } catch {
      return false;
    }
  }, 'an absolute http(s) URL');

export const trackedLinkInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  url: httpsUrl,
  folderId: z.number().int().positive().nullish(),
  actions: z
    .array(linkActionSchema)
    .max(20)
    .default([{ type: 'redirect' }]),
});
/**
 * A merge patch of a tracked link: only what is named changes (`actions` replaces the whole list;
 * omitted, the actions stay). folderId takes `null` (top level); name, url and actions do not.
 */
export const trackedLinkPatch = patchSchemaOf(trackedLinkInput);

export interface TrackedLink {
  id: number;
  name: string;
  url: string;
  folderId: number | null;
  actions: LinkAction[];
  createdAt: number;
  updatedAt: number;
}

/** Registered tracked links: reusable in any e-mail mailing; an `<a href>` with the URL is tracked as the link. */
export class TrackedLinksService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly folders: FoldersService,
  ) {}

  async list(query: PageQuery & { folderId?: number | undefined }): Promise<Page<TrackedLink>> {
    let q = this.db.selectFrom('tracked_links');
    if (query.folderId !== undefined) q = q.where('folder_id', '=', query.folderId);
    if (query.q)
      q = q.where((eb) => eb.or([eb('name', 'like', `%${query.q}%`), eb('url', 'like', `%${query.q}%`)]));
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('name').limit(query.limit).offset(query.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return { items: rows.map(toLink), total: Number(total?.n ?? 0) };
  }

  async get(id: number): Promise<TrackedLink> {
    const r = await this.db.selectFrom('tracked_links').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r)
      throw notFound('TRACKED_LINK_NOT_FOUND', `tracked link ${id} does not exist`, {
        field: 'trackedLinkIds',
      });
    return toLink(r);
  }

  async create(input: z.input<typeof trackedLinkInput>, actor: Actor): Promise<TrackedLink> {
    const v = trackedLinkInput.parse(input);
    await this.folders.requireKind(v.folderId, 'link');
    const now = this.clock.now();
    const r = await this.db
      .insertInto('tracked_links')
      .values({
        name: v.name,
        url: v.url,
        folder_id: v.folderId ?? null,
        actions: JSON.stringify(v.actions),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'trackedLink.create', 'trackedLink', r.id, { name: v.name, url: v.url });
    return this.get(r.id);
  }

  async update(id: number, input: z.input<typeof trackedLinkPatch>, actor: Actor): Promise<TrackedLink> {
    await this.get(id);
    const v = trackedLinkPatch.parse(input);
    if (v.folderId !== undefined) await this.folders.requireKind(v.folderId, 'link');
    await this.db
      .updateTable('tracked_links')
      .set({
        ...(v.name !== undefined ? { name: v.name } : {}),
        ...(v.url !== undefined ? { url: v.url } : {}),
        ...(v.folderId !== undefined ? { folder_id: v.folderId } : {}),
        ...(v.actions !== undefined ? { actions: JSON.stringify(v.actions) } : {}),
        updated_at: this.clock.now(),
      })
      .where('id', '=', id)
      .execute();
    await this.audit.record(actor, 'trackedLink.update', 'trackedLink', id, v);
    return this.get(id);
  }

  async delete(id: number, actor: Actor): Promise<void> {
    await this.get(id);
    await this.db.deleteFrom('tracked_links').where('id', '=', id).execute();
    await this.audit.record(actor, 'trackedLink.delete', 'trackedLink', id);
  }

  async byIds(ids: readonly number[]): Promise<TrackedLink[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('tracked_links')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toLink);
  }
}

function toLink(r: Selectable<Database['tracked_links']>): TrackedLink {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    folderId: r.folder_id,
    actions: z.array(linkActionSchema).parse(JSON.parse(r.actions)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
