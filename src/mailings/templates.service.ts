import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import {
  type Actor,
  type AuditSink,
  type Clock,
  invalid,
  mergePatch,
  notFound,
  type Page,
  type PageQuery,
  parseMerged,
  patchSchemaOf,
} from '../core/index.js';
import type { Database } from '../storage/index.js';
import { type Channel, channels } from './channels.js';
import { contentSchemaOf } from './content.js';
import type { FoldersService } from './folders.service.js';
import { setupSchemaOf } from './setup.js';
import { starterTemplates } from './starters.js';

export const templateInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  channel: z.enum(channels),
  folderId: z.number().int().positive().nullish(),
  description: z.string().trim().max(2000).nullish(),
  setup: z.record(z.string(), z.unknown()).default({}),
  content: z.record(z.string(), z.unknown()).default({}),
});
/**
 * A merge patch of a template (the channel is fixed): setup and content merge into what is stored
 * (a member given replaces, `null` removes it from the template's setup, or puts it back to its
 * default in the content); folderId and description take `null`; name, setup and content do not.
 */
export const templatePatch = patchSchemaOf(templateInput.omit({ channel: true }));

/** The JSON export format (import takes the same document). */
export const templateExportSchema = z.strictObject({
  posthornTemplate: z.literal(1),
  name: z.string().trim().min(1).max(200),
  channel: z.enum(channels),
  description: z.string().max(2000).nullish(),
  setup: z.record(z.string(), z.unknown()),
  content: z.record(z.string(), z.unknown()),
});

export interface Template {
  id: number;
  name: string;
  channel: Channel;
  folderId: number | null;
  description: string | null;
  /** The setup fields a template carries (subject, preheader, sender, heading …). */
  setup: Record<string, unknown>;
  content: Record<string, unknown>;
  /** Built-in starters cannot be changed or deleted; copy them. */
  starter: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Message templates for every channel, with the built-in starter library. */
export class TemplatesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly folders: FoldersService,
  ) {}

  /** Inserts the starter templates a database does not have yet (run at start). */
  async ensureStarters(): Promise<void> {
    const now = this.clock.now();
    for (const s of starterTemplates) {
      await this.db
        .insertInto('templates')
        .values({
          name: s.name,
          channel: s.channel,
          folder_id: null,
          description: s.description,
          setup: JSON.stringify(s.setup),
          content: JSON.stringify(s.content),
          starter_key: s.key,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('starter_key').doNothing())
        .execute();
    }
  }

  async list(
    query: PageQuery & { channel?: Channel | undefined; folderId?: number | undefined },
  ): Promise<Page<Template>> {
    let q = this.db.selectFrom('templates');
    if (query.channel) q = q.where('channel', '=', query.channel);
    if (query.folderId !== undefined) q = q.where('folder_id', '=', query.folderId);
    if (query.q) q = q.where('name', 'like', `%${query.q}%`);
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('name').orderBy('id').limit(query.limit).offset(query.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return { items: rows.map(toTemplate), total: Number(total?.n ?? 0) };
  }

  async get(id: number): Promise<Template> {
    const r = await this.db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('TEMPLATE_NOT_FOUND', `template ${id} does not exist`, { field: 'templateId' });
    return toTemplate(r);
  }

  async create(input: z.input<typeof templateInput>, actor: Actor): Promise<Template> {
    const v = templateInput.parse(input);
    await this.folders.requireKind(v.folderId, 'template');
    const { setup, content } = validateParts(v.channel, v.setup, v.content);
    const now = this.clock.now();
    const r = await this.db
      .insertInto('templates')
      .values({
        name: v.name,
        channel: v.channel,
        folder_id: v.folderId ?? null,
        description: v.description ?? null,
        setup: JSON.stringify(setup),
        content: JSON.stringify(content),
        starter_key: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'template.create', 'template', r.id, { name: v.name, channel: v.channel });
    return this.get(r.id);
  }

  async update(id: number, input: z.input<typeof templatePatch>, actor: Actor): Promise<Template> {
    const t = await this.get(id);
    if (t.starter)
      throw invalid('TEMPLATE_IS_STARTER', 'a starter template cannot be changed: copy it first');
    const v = templatePatch.parse(input);
    if (v.folderId !== undefined) await this.folders.requireKind(v.folderId, 'template');
    const { setup, content } = validateParts(
      t.channel,
      v.setup === undefined ? t.setup : mergePatch(t.setup, v.setup),
      v.content === undefined ? t.content : mergePatch(t.content, v.content),
    );
    await this.db
      .updateTable('templates')
      .set({
        ...(v.name !== undefined ? { name: v.name } : {}),
        ...(v.folderId !== undefined ? { folder_id: v.folderId } : {}),
        ...(v.description !== undefined ? { description: v.description } : {}),
        ...(v.setup !== undefined ? { setup: JSON.stringify(setup) } : {}),
        ...(v.content !== undefined ? { content: JSON.stringify(content) } : {}),
        updated_at: this.clock.now(),
      })
      .where('id', '=', id)
      .execute();
    await this.audit.record(actor, 'template.update', 'template', id, { name: v.name });
    return this.get(id);
  }

  async delete(id: number, actor: Actor): Promise<void> {
    const t = await this.get(id);
    if (t.starter) throw invalid('TEMPLATE_IS_STARTER', 'a starter template cannot be deleted');
    await this.db.deleteFrom('templates').where('id', '=', id).execute();
    await this.audit.record(actor, 'template.delete', 'template', id);
  }

  async copy(id: number, actor: Actor, name?: string): Promise<Template> {
    const t = await this.get(id);
    return this.create(
      {
        name: name ?? `Copy of ${t.name}`,
        channel: t.channel,
        folderId: t.folderId,
        description: t.description,
        setup: t.setup,
        content: t.content,
      },
      actor,
    );
  }

  async export(id: number): Promise<z.infer<typeof templateExportSchema>> {
    const t = await this.get(id);
    return {
      posthornTemplate: 1,
      name: t.name,
      channel: t.channel,
      description: t.description,
      setup: t.setup,
      content: t.content,
    };
  }

  async import(document: unknown, actor: Actor): Promise<Template> {
    const parsed = templateExportSchema.safeParse(document);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(
        'TEMPLATE_IMPORT_INVALID',
        `not a Posthorn template export: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
        {
          field: issue?.path.join('.') ?? '',
        },
      );
    }
    const d = parsed.data;
    return this.create(
      {
        name: d.name,
        channel: d.channel,
        description: d.description ?? null,
        setup: d.setup,
        content: d.content,
      },
      actor,
    );
  }
}

/**
 * A template keeps only setup fields of its channel (a partial setup: every member optional at
 * every depth, none filled in, so the template carries what it names and no more) and valid
 * content. Both are checked whole, after a patch is merged.
 */
function validateParts(
  channel: Channel,
  setup: unknown,
  content: unknown,
): { setup: Record<string, unknown>; content: Record<string, unknown> } {
  return {
    setup: parseMerged(patchSchemaOf(setupSchemaOf(channel)), setup, 'setup', 'TEMPLATE_SETUP_INVALID'),
    content: parseMerged(contentSchemaOf(channel), content, 'content', 'TEMPLATE_CONTENT_INVALID'),
  };
}

function toTemplate(r: Selectable<Database['templates']>): Template {
  return {
    id: r.id,
    name: r.name,
    channel: r.channel,
    folderId: r.folder_id,
    description: r.description,
    setup: JSON.parse(r.setup) as Record<string, unknown>,
    content: JSON.parse(r.content) as Record<string, unknown>,
    starter: r.starter_key !== null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
