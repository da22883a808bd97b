import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Kysely, sql, type Updateable } from 'kysely';
import { z } from 'zod';
import { countSms, type SmsCount } from '../channels/sms/index.js';
import {
  type Actor,
  AppError,
  type AuditSink,
  type Clock,
  conflict,
  forbidden,
  invalid,
  mergePatch,
  notFound,
  type Page,
  type PageQuery,
  parseMerged,
  randomToken,
} from '../core/index.js';
import type { CustomFieldsService } from '../crm/index.js';
import { knownFieldTest, type MergeField, mergeCatalogue } from '../merge/index.js';
// a leaf module: which recipient lists are being built (the recipients service writes it)
import { recipientBuilds } from '../recipients/index.js';
import type { Database } from '../storage/index.js';
import { type Channel, capabilityMatrix, channels, requireCapability } from './channels.js';
import {
  type AuditFinding,
  auditContent,
  contentSchemaOf,
  type EmailContent,
  htmlSanitizer,
  type MailingContent,
  type RenderedEmail,
  renderEmail,
  type SmsContent,
} from './content.js';
import type { FoldersService } from './folders.service.js';
import { canDelete, type MailingState } from './lifecycle.js';
import {
  type EditableMailing,
  editableMailingRow,
  findMailingRow,
  type MailingRow,
  writeEdit,
} from './mailing-row.js';
import {
  applyRecipientOptionsPatch,
  applySetupPatch,
  type ChannelSetup,
  type DocumentSetup,
  defaultRecipientOptions,
  type EmailSetup,
  type RecipientOptions,
  recipientOptionsPatch,
  recipientOptionsSchema,
  type StepError,
  setupErrors,
  setupSchemaOf,
} from './setup.js';
import type { TemplatesService } from './templates.service.js';
import type { TrackedLinksService } from './tracked-links.service.js';

export const mailingInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  channel: z.enum(channels),
  folderId: z.number().int().positive().nullish(),
  /** Start from a template (skips the Template step). */
  templateId: z.number().int().positive().nullish(),
});

/**
 * A merge patch (RFC 7396) of a mailing, written by hand because setup and content depend on the
 * channel: they are merged into what is stored and the result validated with the channel's
 * schema (`SETUP_INVALID`, `CONTENT_INVALID` name the field). No member has a default here, so an
 * omitted one is never changed. `null`: folderId, selectionId, projectId become null
 * (subscriptionTypeId null is Any); a member of setup, recipientOptions or content goes back to
 * its default; name, setup, recipientOptions and content themselves cannot be null.
 */
export const mailingPatch = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  folderId: z.number().int().positive().nullish(),
  selectionId: z.number().int().positive().nullish(),
  projectId: z.number().int().positive().nullish(),
  /** A subscription type, or null for Any. */
  subscriptionTypeId: z.number().int().positive().nullish(),
  setup: z.record(z.string(), z.unknown()).optional(),
  recipientOptions: recipientOptionsPatch.optional(),
  content: z.record(z.string(), z.unknown()).optional(),
});

export const chooseTemplateInput = z.union([
  z.strictObject({ templateId: z.number().int().positive() }),
  z.strictObject({ blank: z.literal(true) }),
]);

export const mailingListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  q: z.string().trim().max(200).optional(),
  folderId: z.coerce.number().int().positive().optional(),
  state: z.string().trim().max(20).optional(),
  channel: z.enum(channels).optional(),
});

export interface Mailing {
  id: number;
  name: string;
  channel: Channel;
  state: MailingState;
  folderId: number | null;
  selectionId: number | null;
  projectId: number | null;
  /** Null is Any. */
  subscriptionTypeId: number | null;
  templateId: number | null;
  setup: ChannelSetup;
  recipientOptions: RecipientOptions;
  content: MailingContent;
  contentVersion: number;
  /**
   * Raised by every change that shapes a message (setup, content, template, attachments,
   * subscription type): what is prepared for sending is keyed by it (docs/decisions/0008).
   */
  revision: number;
  scheduledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A mailing as a list shows it: what it is and where it stands, without its setup and content. */
export type MailingSummary = Pick<
  Mailing,
  | 'id'
  | 'name'
  | 'channel'
  | 'state'
  | 'folderId'
  | 'selectionId'
  | 'projectId'
  | 'scheduledAt'
  | 'createdAt'
  | 'updatedAt'
>;

export interface MailingStep {
  step: 'setup' | 'template' | 'content' | 'recipients' | 'confirm';
  complete: boolean;
  errors: StepError[];
}

export interface Attachment {
  id: number;
  fileName: string;
  contentType: string;
  sizeBytes: number;
}

export interface MailingLink {
  n: number;
  url: string;
  targetUrl: string;
  name: string | null;
  trackedLinkId: number | null;
}

/** The cached render in the mailing row, with the revision key it was made for. */
type StoredRender = RenderedEmail & { revision?: number; epoch?: number };

export interface MailingFilesOptions {
  attachmentsDir: string;
  attachmentMaxBytes: number;
  publicUrl: string;
}

/**
 * The mailing aggregate (PRODUCT.md §3–§7): setup per channel, the capability matrix, the
 * lifecycle guard on every change, content rendered once per version, links with stable ids,
 * the audit, the wizard steps, copy and delete, preview.
 */
export class MailingsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly folders: FoldersService,
    private readonly templates: TemplatesService,
    private readonly trackedLinks: TrackedLinksService,
    private readonly customFields: CustomFieldsService,
    private readonly files: MailingFilesOptions,
  ) {}

  async create(input: z.input<typeof mailingInput>, actor: Actor): Promise<Mailing> {
    const v = mailingInput.parse(input);
    await this.folders.requireKind(v.folderId, 'mailing');
    let setup: ChannelSetup = setupSchemaOf(v.channel).parse({});
    let content: MailingContent = contentSchemaOf(v.channel).parse({});
    if (v.templateId) {
      const t = await this.templateFor(v.channel, v.templateId);
      setup = applySetupPatch(v.channel, setup, t.setup);
      content = contentSchemaOf(v.channel).parse(t.content);
    }
    const now = this.clock.now();
    const r = await this.db
      .insertInto('mailings')
      .values({
        name: v.name,
        channel: v.channel,
        state: 'draft',
        folder_id: v.folderId ?? null,
        selection_id: null,
        project_id: null,
        subscription_type_id: null,
        template_id: v.templateId ?? null,
        template_chosen: v.templateId ? 1 : 0,
        setup: JSON.stringify({ ...setup, recipients: defaultRecipientOptions(v.channel) }),
        content: JSON.stringify(content),
        rendered: null,
        recipients_built_at: null,
        scheduled_at: null,
        created_by: actor.userId,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'mailing.create', 'mailing', r.id, v);
    return this.get(r.id);
  }

  async get(id: number): Promise<Mailing> {
    return toMailing(await this.row(id));
  }

  async list(query: z.input<typeof mailingListQuery>): Promise<Page<Mailing>> {
    const v = mailingListQuery.parse(query);
    let q = this.db.selectFrom('mailings');
    if (v.folderId !== undefined) q = q.where('folder_id', '=', v.folderId);
    if (v.state) q = q.where('state', '=', v.state as MailingState);
    if (v.channel) q = q.where('channel', '=', v.channel);
    if (v.q) q = q.where('name', 'like', `%${v.q}%`);
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('id', 'desc').limit(v.limit).offset(v.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return { items: rows.map(toMailing), total: Number(total?.n ?? 0) };
  }

  /** Mailings linked to a selection: in Setup or as a recipient source (the selection's Mailings tab). */
  async ofSelection(selectionId: number, query: PageQuery): Promise<Page<MailingSummary>> {
    return this.linked(
      sql`m.selection_id = ${selectionId} or exists (select 1 from mailing_sources s
      where s.mailing_id = m.id and s.kind = 'selection' and s.ref_id = ${selectionId})`,
      query,
    );
  }

  /** Mailings linked to a project: in Setup or as a recipient source (the project's Activities). */
  async ofProject(projectId: number, query: PageQuery): Promise<Page<MailingSummary>> {
    return this.linked(
      sql`m.project_id = ${projectId} or exists (select 1 from mailing_sources s
      where s.mailing_id = m.id and s.kind = 'project' and s.ref_id = ${projectId})`,
      query,
    );
  }

  private async linked(where: ReturnType<typeof sql>, query: PageQuery): Promise<Page<MailingSummary>> {
    const rows = await sql<
      Pick<
        MailingRow,
        | 'id'
        | 'name'
        | 'channel'
        | 'state'
        | 'folder_id'
        | 'selection_id'
        | 'project_id'
        | 'scheduled_at'
        | 'created_at'
        | 'updated_at'
      >
    >`select m.id, m.name, m.channel, m.state, m.folder_id, m.selection_id, m.project_id,
      m.scheduled_at, m.created_at, m.updated_at from mailings m where ${where} order by m.id desc
      limit ${query.limit} offset ${query.offset}`.execute(this.db);
    const total = await sql<{ n: number }>`select count(*) as n from mailings m where ${where}`.execute(
      this.db,
    );
    return {
      items: rows.rows.map((m) => ({
        id: m.id,
        name: m.name,
        channel: m.channel,
        state: m.state,
        folderId: m.folder_id,
        selectionId: m.selection_id,
        projectId: m.project_id,
        scheduledAt: m.scheduled_at === null ? null : Number(m.scheduled_at),
        createdAt: Number(m.created_at),
        updatedAt: Number(m.updated_at),
      })),
      total: Number(total.rows[0]?.n ?? 0),
    };
  }

  async update(id: number, input: z.input<typeof mailingPatch>, actor: Actor): Promise<Mailing> {
    const m = await this.editable(id);
    const channel = m.channel;
    const v = mailingPatch.parse(input);
    const stored = JSON.parse(m.setup) as Record<string, unknown>;
    const set: Updateable<Database['mailings']> = { updated_at: this.clock.now() };
    let stale = false;
    if (v.name !== undefined) set.name = v.name;
    if (v.folderId !== undefined) {
      await this.folders.requireKind(v.folderId, 'mailing');
      set.folder_id = v.folderId;
    }
    if (v.selectionId !== undefined) {
      if (v.selectionId !== null)
        await this.requireRow('selections', v.selectionId, 'SELECTION_NOT_FOUND', 'selectionId');
      set.selection_id = v.selectionId;
      stale = true;
    }
    if (v.projectId !== undefined) {
      if (v.projectId !== null)
        await this.requireRow('projects', v.projectId, 'PROJECT_NOT_FOUND', 'projectId');
      set.project_id = v.projectId;
      stale = true;
    }
    if (v.subscriptionTypeId !== undefined) {
      if (v.subscriptionTypeId !== null)
        await this.requireRow(
          'subscription_types',
          v.subscriptionTypeId,
          'SUBSCRIPTION_TYPE_NOT_FOUND',
          'subscriptionTypeId',
        );
      set.subscription_type_id = v.subscriptionTypeId;
      stale = true;
    }
    let setup = setupOf(m);
    let options = recipientOptionsSchema.parse(stored.recipients ?? {});
    if (v.setup) {
      setup = applySetupPatch(channel, setup, v.setup);
      if ('trackedLinkIds' in v.setup) {
        const ids = (setup as EmailSetup).trackedLinkIds;
        const found = await this.trackedLinks.byIds(ids);
        const missing = ids.filter((i) => !found.some((f) => f.id === i));
        if (missing.length > 0)
          throw notFound('TRACKED_LINK_NOT_FOUND', `no tracked link ${missing.join(', ')}`, {
            field: 'setup.trackedLinkIds',
          });
      }
      set.rendered = null;
    }
    if (v.recipientOptions) {
      if (v.recipientOptions.overrideConsent && !actor.rights.has('overrideConsent'))
        throw forbidden('OVERRIDE_CONSENT_NOT_ALLOWED', 'override consent needs the overrideConsent right', {
          field: 'recipientOptions.overrideConsent',
        });
      options = applyRecipientOptionsPatch(channel, options, v.recipientOptions);
      stale = true;
    }
    if (v.setup || v.recipientOptions) set.setup = JSON.stringify({ ...setup, recipients: options });
    if (v.content) {
      // merged into the stored content: `{ source }` keeps the format
      const current = contentSchemaOf(channel).parse(JSON.parse(m.content));
      const content = parseMerged(
        contentSchemaOf(channel),
        mergePatch(current, v.content),
        'content',
        'CONTENT_INVALID',
      );
      set.content = JSON.stringify(content);
      set.content_version = m.content_version + 1;
      set.rendered = null;
    }
    if (stale) set.recipients_stale = 1;
    await writeEdit(this.db, this.audit, m, { ...set, revision: nextRevision }, actor);
    await this.audit.record(actor, 'mailing.update', 'mailing', id, {
      fields: Object.keys(v),
      ...(v.recipientOptions?.overrideConsent ? { overrideConsent: true } : {}),
    });
    return this.get(id);
  }

  /** The Template step: start from a template (its setup fields and content) or from blank. */
  async chooseTemplate(
    id: number,
    input: z.input<typeof chooseTemplateInput>,
    actor: Actor,
  ): Promise<Mailing> {
    const m = await this.editable(id);
    const v = chooseTemplateInput.parse(input);
    const channel = m.channel;
    const set: Updateable<Database['mailings']> = { template_chosen: 1, updated_at: this.clock.now() };
    if ('templateId' in v) {
      const t = await this.templateFor(channel, v.templateId);
      const stored = JSON.parse(m.setup) as Record<string, unknown>;
      const setup = applySetupPatch(channel, setupOf(m), t.setup);
      set.setup = JSON.stringify({ ...setup, recipients: stored.recipients });
      set.content = JSON.stringify(contentSchemaOf(channel).parse(t.content));
      set.content_version = m.content_version + 1;
      set.rendered = null;
      set.template_id = t.id;
    }
    await writeEdit(this.db, this.audit, m, { ...set, revision: nextRevision }, actor);
    await this.audit.record(actor, 'mailing.chooseTemplate', 'mailing', id, v);
    return this.get(id);
  }

  async delete(id: number, actor: Actor): Promise<void> {
    const m = await this.row(id);
    if (!canDelete(m.state, m.sent_anything === 1))
      throw conflict(
        'MAILING_NOT_DELETABLE',
        `a ${m.state} mailing is archived, not deleted; only drafts can be deleted`,
        {
          state: m.state,
        },
      );
    const attachments = await this.db
      .selectFrom('mailing_attachments')
      .select('storage_name')
      .where('mailing_id', '=', id)
      .execute();
    await this.db.deleteFrom('mailings').where('id', '=', id).execute();
    for (const a of attachments) await rm(join(this.files.attachmentsDir, a.storage_name), { force: true });
    await this.audit.record(actor, 'mailing.delete', 'mailing', id, { name: m.name });
  }

  /** Copy mailing: a new draft with the same setup, content, links and recipient sources (always allowed). */
  async copy(id: number, actor: Actor, name?: string): Promise<Mailing> {
    const m = await this.row(id);
    const now = this.clock.now();
    const newId = await this.db.transaction().execute(async (trx) => {
      const r = await trx
        .insertInto('mailings')
        .values({
          name: name ?? `Copy of ${m.name}`,
          channel: m.channel,
          state: 'draft',
          folder_id: m.folder_id,
          selection_id: m.selection_id,
          project_id: m.project_id,
          subscription_type_id: m.subscription_type_id,
          template_id: m.template_id,
          template_chosen: 1,
          setup: m.setup,
          content: m.content,
          rendered: null,
          recipients_built_at: null,
          scheduled_at: null,
          created_by: actor.userId,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await sql`insert into mailing_links (mailing_id, link_no, url, target_url, name, tracked_link_id, in_content)
        select ${r.id}, link_no, url, target_url, name, tracked_link_id, 0 from mailing_links where mailing_id = ${id}`.execute(
        trx,
      );
      const sources = await trx
        .selectFrom('mailing_sources')
        .selectAll()
        .where('mailing_id', '=', id)
        .orderBy('position')
        .execute();
      for (const s of sources) {
        const { id: oldId, ...rest } = s;
        const ns = await trx
          .insertInto('mailing_sources')
          .values({ ...rest, mailing_id: r.id, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        await sql`insert into mailing_source_persons (source_id, person_id)
          select ${ns.id}, person_id from mailing_source_persons where source_id = ${oldId}`.execute(trx);
        await sql`insert into mailing_import_rows (source_id, line, name, email, email_key, mobile, person_id)
          select ${ns.id}, line, name, email, email_key, mobile, person_id from mailing_import_rows
          where source_id = ${oldId} order by id`.execute(trx);
      }
      return r.id;
    });
    await this.audit.record(actor, 'mailing.copy', 'mailing', newId, { from: id });
    return this.get(newId);
  }

  /** Copy mailing to template (always allowed). */
  async copyToTemplate(id: number, actor: Actor, name?: string) {
    const m = await this.get(id);
    const { recipients: _r, ...setup } = m.setup as ChannelSetup & { recipients?: unknown };
    const keep: Record<string, unknown> =
      m.channel === 'sms'
        ? { sender: (setup as Record<string, unknown>).sender }
        : m.channel === 'document'
          ? { heading: (setup as DocumentSetup).heading, attention: (setup as DocumentSetup).attention }
          : { subject: (setup as EmailSetup).subject, preheader: (setup as EmailSetup).preheader };
    return this.templates.create(
      {
        name: name ?? m.name,
        channel: m.channel === 'formResponse' ? 'email' : m.channel,
        setup: keep,
        content: m.content as unknown as Record<string, unknown>,
      },
      actor,
    );
  }

  /** The merge catalogue with this database's custom fields. */
  async catalogue(): Promise<MergeField[]> {
    const fields = await this.customFields.list();
    return mergeCatalogue(
      fields.map((f) => ({ entity: f.entity as 'person' | 'company', key: f.key, label: f.label })),
    );
  }

  /** E-mail content rendered for the current version (cached in the row; rendered again after a change). */
  async rendered(id: number): Promise<RenderedEmail> {
    const m = await this.row(id);
    const channel = m.channel;
    if (channel !== 'email' && channel !== 'formResponse')
      throw invalid('CHANNEL_NOT_EMAIL', `a ${channel} mailing has no HTML content`);
    // the epoch first: a registry change after it raises it again, so nothing older is kept
    const epoch = await renderEpoch(this.db);
    if (m.rendered) {
      const cached = JSON.parse(m.rendered) as StoredRender;
      // rendered for this revision (setup, content) and epoch (the tracked-link registry); a
      // render from before the current HTML sanitiser may hold script: rendered again
      const { revision, epoch: cachedEpoch, ...render } = cached;
      if (
        revision === m.revision &&
        cachedEpoch === epoch &&
        render.version === m.content_version &&
        render.sanitizer === htmlSanitizer
      )
        return render;
    }
    const setup = setupOf(m) as EmailSetup;
    const known = await this.db
      .selectFrom('mailing_links')
      .select(['url', 'link_no'])
      .where('mailing_id', '=', id)
      .execute();
    const registered = await this.trackedLinks.byIds(setup.trackedLinkIds);
    const rendered = await renderEmail({
      content: JSON.parse(m.content) as EmailContent,
      setup,
      version: m.content_version,
      registeredLinks: registered,
      knownLinks: new Map(known.map((k) => [k.url, k.link_no])),
    });
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('mailing_links').set({ in_content: 0 }).where('mailing_id', '=', id).execute();
      for (const l of rendered.links) {
        await trx
          .insertInto('mailing_links')
          .values({
            mailing_id: id,
            link_no: l.n,
            url: l.url,
            target_url: l.targetUrl,
            name: l.name,
            tracked_link_id: l.trackedLinkId,
            in_content: 1,
          })
          .onConflict((oc) =>
            oc.columns(['mailing_id', 'link_no']).doUpdateSet({
              target_url: l.targetUrl,
              name: l.name,
              tracked_link_id: l.trackedLinkId,
              in_content: 1,
            }),
          )
          .execute();
      }
      const stored: StoredRender = { ...rendered, revision: m.revision, epoch };
      await trx
        .updateTable('mailings')
        .set({ rendered: JSON.stringify(stored) })
        .where('id', '=', id)
        .execute();
    });
    return rendered;
  }

  async links(id: number): Promise<MailingLink[]> {
    const m = await this.row(id);
    if (m.channel === 'email' || m.channel === 'formResponse') await this.rendered(id);
    const rows = await this.db
      .selectFrom('mailing_links')
      .selectAll()
      .where('mailing_id', '=', id)
      .where('in_content', '=', 1)
      .orderBy('link_no')
      .execute();
    return rows.map((r) => ({
      n: r.link_no,
      url: r.url,
      targetUrl: r.target_url,
      name: r.name,
      trackedLinkId: r.tracked_link_id,
    }));
  }

  /** The Content step's audit: every finding names where it is. */
  async auditContent(id: number): Promise<AuditFinding[]> {
    const m = await this.row(id);
    const channel = m.channel;
    const email = channel === 'email' || channel === 'formResponse';
    return auditContent({
      channel,
      content: JSON.parse(m.content) as MailingContent,
      setup: email || channel === 'document' ? (setupOf(m) as EmailSetup | DocumentSetup) : null,
      hasSubscriptionType: m.subscription_type_id !== null,
      isKnown: knownFieldTest(await this.catalogue()),
      rendered: email ? await this.rendered(id) : null,
    });
  }

  /** SMS: encoding and parts of the text as written, and the cost estimate (parts × ready recipients). */
  async smsEstimate(id: number): Promise<SmsCount & { recipients: number; estimatedMessages: number }> {
    const m = await this.row(id);
    if (m.channel !== 'sms') throw invalid('CHANNEL_NOT_SMS', 'only SMS mailings have an SMS estimate');
    const count = countSms((JSON.parse(m.content) as SmsContent).text);
    const ready = await this.db
      .selectFrom('recipient_counts')
      .select((eb) => eb.fn.sum<number>('n').as('n'))
      .where('mailing_id', '=', id)
      .where('status', '=', 'ready')
      .executeTakeFirst();
    const recipients = Number(ready?.n ?? 0);
    return { ...count, recipients, estimatedMessages: count.parts * recipients };
  }

  /** Each wizard step's completeness and errors; send and schedule refuse while one is incomplete. */
  /**
   * With the setting "only approved domains" on (PRODUCT.md §5), the From and own Reply-to
   * addresses of an e-mail must be on a sending domain: the Setup step says which one is not.
   */
  private async unapprovedDomains(channel: Channel, setup: ChannelSetup): Promise<StepError[]> {
    if (channel !== 'email' && channel !== 'formResponse') return [];
    const setting = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'onlyApprovedDomains')
      .executeTakeFirst();
    if (setting?.value !== 'true') return [];
    const s = setup as EmailSetup;
    const addresses: Array<[string, string]> = [['setup.from.address', s.from.address]];
    if (s.replyTo.rule === 'own') addresses.push(['setup.replyTo.address', s.replyTo.address]);
    const errors: StepError[] = [];
    for (const [field, address] of addresses) {
      const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      const known = await this.db
        .selectFrom('sending_domains')
        .select('id')
        .where('domain', '=', domain)
        .executeTakeFirst();
      if (!known)
        errors.push({
          field,
          code: 'DOMAIN_NOT_APPROVED',
          message: `${address} is not on a sending domain, and only approved domains may send (add ${domain} under sending domains, or turn the setting off)`,
        });
    }
    return errors;
  }

  async steps(id: number): Promise<MailingStep[]> {
    const m = await this.row(id);
    const channel = m.channel;
    const setupStep: MailingStep = {
      step: 'setup',
      complete: false,
      errors: [
        ...setupErrors(channel, m.name, setupOf(m)),
        ...(await this.unapprovedDomains(channel, setupOf(m))),
      ],
    };
    const templateStep: MailingStep = {
      step: 'template',
      complete: false,
      errors:
        m.template_chosen === 1
          ? []
          : [{ field: 'template', code: 'TEMPLATE_NOT_CHOSEN', message: 'choose a template or start blank' }],
    };
    const findings = await this.auditContent(id);
    const contentStep: MailingStep = {
      step: 'content',
      complete: false,
      errors: findings
        .filter((f) => f.severity === 'error')
        .map((f) => ({
          field: f.where.part,
          code: f.code,
          message: f.where.line ? `${f.message} (line ${f.where.line}, column ${f.where.column})` : f.message,
        })),
    };
    const steps = [setupStep, templateStep, contentStep];
    if (capabilityMatrix[channel].recipientsStep) {
      const ready = await this.db
        .selectFrom('recipient_counts')
        .select((eb) => eb.fn.sum<number>('n').as('n'))
        .where('mailing_id', '=', id)
        .where('status', '=', 'ready')
        .executeTakeFirst();
      const errors: StepError[] = [];
      // "link a selection" only when nothing is linked and no source was added
      const hasSource =
        m.selection_id !== null ||
        m.project_id !== null ||
        (await this.db
          .selectFrom('mailing_sources')
          .select('id')
          .where('mailing_id', '=', id)
          .limit(1)
          .executeTakeFirst()) !== undefined;
      const noSource = 'add a recipient source, or link a selection or project in Setup';
      const building = recipientBuilds(this.db).running.get(id);
      if (building)
        errors.push({
          field: 'recipients',
          code: 'RECIPIENTS_BUILDING',
          message: `the recipient list is being built (${building.done} of ${Math.max(building.total, building.done)} checked)`,
        });
      else if (m.recipients_built_at === null)
        errors.push({
          field: 'recipients',
          code: 'RECIPIENTS_NOT_BUILT',
          message: hasSource ? 'the recipient list has not been built: update the list' : noSource,
        });
      else if (m.recipients_stale === 1)
        errors.push({
          field: 'recipients',
          code: 'RECIPIENTS_STALE',
          message: 'sources or options changed: update the list',
        });
      else if (Number(ready?.n ?? 0) === 0)
        errors.push({
          field: 'recipients',
          code: 'NO_RECIPIENTS',
          message: hasSource ? 'no recipient will receive this mailing' : `no recipients: ${noSource}`,
        });
      steps.push({ step: 'recipients', complete: false, errors });
      const before = steps.filter((s) => s.errors.length > 0).map((s) => s.step);
      steps.push({
        step: 'confirm',
        complete: false,
        errors: before.map((s) => ({
          field: s,
          code: 'STEP_INCOMPLETE',
          message: `the ${s} step is incomplete`,
        })),
      });
    }
    for (const s of steps) s.complete = s.errors.length === 0;
    return steps;
  }

  /** Throws `MAILING_INCOMPLETE` naming the failing steps (send and schedule call this). */
  async requireComplete(id: number): Promise<void> {
    const failing = (await this.steps(id)).filter((s) => !s.complete && s.step !== 'confirm');
    if (failing.length > 0)
      throw conflict('MAILING_INCOMPLETE', `incomplete: ${failing.map((s) => s.step).join(', ')}`, {
        steps: failing.map((s) => ({ step: s.step, errors: s.errors })),
      });
  }

  async listAttachments(id: number): Promise<Attachment[]> {
    await this.row(id);
    const rows = await this.db
      .selectFrom('mailing_attachments')
      .selectAll()
      .where('mailing_id', '=', id)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      fileName: r.file_name,
      contentType: r.content_type,
      sizeBytes: r.size_bytes,
    }));
  }

  /** The attachment files as the sender reads them (paths inside the data directory). */
  async attachmentFiles(id: number): Promise<Array<{ filename: string; contentType: string; path: string }>> {
    const rows = await this.db
      .selectFrom('mailing_attachments')
      .selectAll()
      .where('mailing_id', '=', id)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      filename: r.file_name,
      contentType: r.content_type,
      path: join(this.files.attachmentsDir, r.storage_name),
    }));
  }

  /** Attachments: e-mail and form responses only, at most the configured total per message (25 MB by default). */
  async addAttachment(
    id: number,
    fileName: string,
    contentType: string,
    data: Buffer,
    actor: Actor,
  ): Promise<Attachment> {
    const m = await this.editable(id);
    requireCapability(m.channel, 'attachments', 'file');
    const used = await this.db
      .selectFrom('mailing_attachments')
      .select((eb) => eb.fn.sum<number>('size_bytes').as('n'))
      .where('mailing_id', '=', id)
      .executeTakeFirst();
    const total = Number(used?.n ?? 0) + data.length;
    if (total > this.files.attachmentMaxBytes)
      throw new AppError(
        'tooLarge',
        'ATTACHMENTS_TOO_LARGE',
        `attachments would total ${total} bytes; at most ${this.files.attachmentMaxBytes} per message`,
        {
          file: fileName,
          maxBytes: this.files.attachmentMaxBytes,
        },
      );
    const storageName = randomToken(16);
    // attachments may be personal or confidential: readable by our user only
    await mkdir(this.files.attachmentsDir, { recursive: true, mode: 0o700 });
    await writeFile(join(this.files.attachmentsDir, storageName), data, { mode: 0o600 });
    const r = await this.db
      .insertInto('mailing_attachments')
      .values({
        mailing_id: id,
        file_name: fileName.replace(/[\r\n"\\/]/g, '_').slice(0, 200) || 'attachment',
        content_type: /^[\w.+-]+\/[\w.+-]+$/.test(contentType) ? contentType : 'application/octet-stream',
        size_bytes: data.length,
        storage_name: storageName,
        created_at: this.clock.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeEdit(this.db, this.audit, m, { revision: nextRevision }, actor);
    await this.audit.record(actor, 'mailing.addAttachment', 'mailing', id, {
      file: r.file_name,
      bytes: data.length,
    });
    return { id: r.id, fileName: r.file_name, contentType: r.content_type, sizeBytes: r.size_bytes };
  }

  async removeAttachment(id: number, attachmentId: number, actor: Actor): Promise<void> {
    const m = await this.editable(id);
    const r = await this.db
      .selectFrom('mailing_attachments')
      .selectAll()
      .where('mailing_id', '=', id)
      .where('id', '=', attachmentId)
      .executeTakeFirst();
    if (!r) throw notFound('ATTACHMENT_NOT_FOUND', `mailing ${id} has no attachment ${attachmentId}`);
    await this.db.deleteFrom('mailing_attachments').where('id', '=', attachmentId).execute();
    await writeEdit(this.db, this.audit, m, { revision: nextRevision }, actor);
    await rm(join(this.files.attachmentsDir, r.storage_name), { force: true });
    await this.audit.record(actor, 'mailing.removeAttachment', 'mailing', id, { file: r.file_name });
  }

  /** A template a mailing of `channel` can start from (form responses use e-mail templates). */
  private async templateFor(channel: Channel, templateId: number) {
    const t = await this.templates.get(templateId);
    if (t.channel !== channel && !(t.channel === 'email' && channel === 'formResponse'))
      throw invalid('TEMPLATE_WRONG_CHANNEL', `template ${t.id} is for ${t.channel}, not ${channel}`, {
        field: 'templateId',
      });
    return t;
  }

  /** A new revision after a change outside the mailing row (attachments): written after the change. */
  private row(id: number): Promise<MailingRow> {
    return findMailingRow(this.db, id);
  }

  /** The lifecycle guard of an edit (nothing written yet: `writeEdit` carries the state change). */
  private editable(id: number): Promise<EditableMailing> {
    return editableMailingRow(this.db, id);
  }

  private async requireRow(
    table: 'selections' | 'projects' | 'subscription_types',
    id: number,
    code: string,
    field: string,
  ): Promise<void> {
    const r = await this.db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound(code, `${field.replace(/Id$/, '')} ${id} does not exist`, { field });
  }
}

/**
 * The next revision, computed by the database in the statement that writes the change: two
 * concurrent edits never share a revision, and the revision never moves before what it covers.
 */
const nextRevision = sql<number>`revision + 1`;

/** The global part of every render key (migration 0007: raised by the database's triggers). */
async function renderEpoch(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('render_epoch').select('n').where('id', '=', 1).executeTakeFirst();
  return Number(r?.n ?? 0);
}

function setupOf(m: MailingRow): ChannelSetup {
  const { recipients: _r, ...setup } = JSON.parse(m.setup) as Record<string, unknown>;
  return setupSchemaOf(m.channel).parse(setup);
}

function toMailing(m: MailingRow): Mailing {
  const stored = JSON.parse(m.setup) as Record<string, unknown>;
  return {
    id: m.id,
    name: m.name,
    channel: m.channel,
    state: m.state,
    folderId: m.folder_id,
    selectionId: m.selection_id,
    projectId: m.project_id,
    subscriptionTypeId: m.subscription_type_id,
    templateId: m.template_id,
    setup: setupOf(m),
    recipientOptions: recipientOptionsSchema.parse(stored.recipients ?? {}),
    content: contentSchemaOf(m.channel).parse(JSON.parse(m.content)),
    contentVersion: m.content_version,
    revision: m.revision,
    scheduledAt: m.scheduled_at,
    createdAt: m.created_at,
    updatedAt: m.updated_at,
  };
}
