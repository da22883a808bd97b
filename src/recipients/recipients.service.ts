import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, type RawBuilder, type Selectable, sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { validateEmail, validateMobile } from '../addresses/index.js';
import {
  type Actor,
  type AuditSink,
  type Clock,
  conflict,
  forbidden,
  invalid,
  isAppError,
  notFound,
  type Page,
} from '../core/index.js';
import { openRowSource } from '../crm/import/index.js';
import type { SelectionsService } from '../crm/index.js';
import {
  type Channel,
  capabilityMatrix,
  findMailingRow,
  type MailingRow,
  moveMailing,
  nextState,
  type RecipientOptions,
  recipientOptionsSchema,
  requireCapability,
} from '../mailings/index.js';
import type { ContactData, MergeData } from '../merge/index.js';
import type { SettingsService } from '../settings/index.js';
import type { Database } from '../storage/index.js';
import { buildRecipientsSql, type CandidateSource, companyRules, markDuplicatesSql } from './build.js';
import { type BuildFailure, type BuildProgress, recipientBuilds } from './progress.js';

export const blockReasons = [
  'invalidAddress',
  'blockedAddress',
  'complained',
  'noConsent',
  'noSubscription',
  'duplicate',
] as const;
export type BlockReason = (typeof blockReasons)[number];
const isBlockReason = (value: string): value is BlockReason =>
  (blockReasons as readonly string[]).includes(value);

export const recipientSourceInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('selection'), selectionId: z.number().int().positive() }),
  z.strictObject({ kind: z.literal('project'), projectId: z.number().int().positive() }),
  z.strictObject({
    kind: z.literal('persons'),
    personIds: z.array(z.number().int().positive()).min(1).max(10_000),
  }),
]);

export const recipientListQuery = z.object({
  status: z.string().trim().max(100).optional(),
  reason: z.enum(blockReasons).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export interface RecipientSource {
  /** Null for the source linked in Setup (change it in Setup). */
  id: number | null;
  kind: 'selection' | 'project' | 'persons' | 'import';
  origin: 'setup' | 'added';
  refId: number | null;
  label: string;
  /** Persons picked, or valid rows of a file. */
  itemCount: number;
  /** Rows of a file that had no valid address (reported at upload, with line numbers). */
  invalidCount: number;
  position: number;
}

export interface Recipient {
  id: number;
  kind: 'person' | 'company' | 'unregistered';
  personId: number | null;
  companyId: number | null;
  name: string;
  companyName: string | null;
  address: string | null;
  status: string;
  reason: BlockReason | null;
  /** Blocked by the privacy filter but sent anyway ("no consent (overridden)"). */
  overridden: boolean;
  sourceId: number | null;
}

export interface RecipientSummary {
  total: number;
  byStatus: Record<string, number>;
  /** Blocked rows per reason. */
  byReason: Partial<Record<BlockReason, number>>;
  /** Ready rows that the privacy filter would have blocked, per reason. */
  overridden: Partial<Record<BlockReason, number>>;
  /** The list no longer reflects the sources or options: "Update list" rebuilds it. */
  stale: boolean;
  builtAt: number | null;
  /** A new list is being built (rows checked of rows to check); the counts are the old list's meanwhile. */
  building?: { done: number; total: number };
  /** The last background build failed (the list is the one before it, stale): why. */
  buildError?: BuildFailure;
}

export interface FileRowProblem {
  line: number;
  field: string;
  value: string;
  reason: string;
}

export interface FileSourceResult {
  source: RecipientSource;
  accepted: number;
  invalid: FileRowProblem[];
}

type Db = Kysely<Database> | Transaction<Database>;

/** The largest recipient file accepted. */
export const recipientFileMaxBytes = 20 * 1024 * 1024;

/**
 * Recipient sources and the recipient list of a mailing (PRODUCT.md §8). The list is rebuilt as a
 * whole, set-based, whenever sources or options change (and by "Update list"); its counts per
 * status and reason are stored with it, so the summary reads a handful of rows.
 */
export class RecipientsService {
  /** Background builds per mailing; `rerun` is set when another change arrives meanwhile. */
  private readonly background = new Map<number, { rerun: Actor | null; done: Promise<void> }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly selections: SelectionsService,
    private readonly settings: SettingsService,
    private readonly defaultCountry: string,
  ) {}

  async listSources(mailingId: number): Promise<RecipientSource[]> {
    const m = await this.mailing(mailingId);
    const out: RecipientSource[] = [];
    const setup = await this.setupSource(this.db, m);
    if (setup) out.push(setup);
    const rows = await this.db
      .selectFrom('mailing_sources')
      .selectAll()
      .where('mailing_id', '=', mailingId)
      .orderBy('position')
      .execute();
    for (const r of rows) out.push(toSource(r));
    return out;
  }

  /**
   * Adds a source and rebuilds the list, in one transaction. Every refusal (rights, state,
   * capability, an id that does not exist, a selection whose criteria cannot be read) is decided
   * before anything is written or inside that transaction, so a refused request changes nothing —
   * not even a scheduled mailing's state.
   */
  async addSource(
    mailingId: number,
    input: z.input<typeof recipientSourceInput>,
    actor: Actor,
  ): Promise<RecipientSource> {
    const v = recipientSourceInput.parse(input);
    const m = await this.editableRow(mailingId);
    requireCapability(m.channel, 'recipientSources', 'kind');
    // look-ups and compiling before the transaction: SQLite has one connection, held by it
    const prepared = await this.prepare(m, actor, v.kind === 'selection' ? [v.selectionId] : []);
    const sel = v.kind === 'selection' ? prepared.selections.get(v.selectionId) : undefined;
    const { result: source, unscheduled } = await this.db.transaction().execute(async (trx) => {
      const unscheduled = await this.unschedule(trx, m);
      let row: Selectable<Database['mailing_sources']>;
      if (sel) row = await this.insertSource(trx, m, 'selection', sel.id, `Selection: ${sel.name}`);
      else if (v.kind === 'project') {
        const p = await trx
          .selectFrom('projects')
          .select(['id', 'name'])
          .where('id', '=', v.projectId)
          .executeTakeFirst();
        if (!p)
          throw notFound('PROJECT_NOT_FOUND', `project ${v.projectId} does not exist`, {
            field: 'projectId',
          });
        row = await this.insertSource(trx, m, 'project', p.id, `Project: ${p.name}`);
      } else if (v.kind === 'persons') row = await this.addPersons(trx, m, v.personIds);
      else throw new Error('unreachable');
      await this.fillIn(trx, prepared, 'edit');
      return { result: row, unscheduled };
    });
    await this.recordUnschedule(actor, mailingId, unscheduled);
    await this.audit.record(actor, 'mailing.addSource', 'mailing', mailingId, v);
    await this.recordBuild(actor, mailingId, prepared, false);
    return toSource(source);
  }

  /** Picked persons collapse into one source row with a count; unknown ids refuse the whole request. */
  private async addPersons(
    trx: Transaction<Database>,
    m: MailingRow,
    personIds: readonly number[],
  ): Promise<Selectable<Database['mailing_sources']>> {
    const ids = [...new Set(personIds)];
    const found = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await trx
        .selectFrom('persons')
        .select('id')
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) found.add(r.id);
    }
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0)
      throw notFound('PERSON_NOT_FOUND', `no person with id ${missing.slice(0, 10).join(', ')}`, {
        field: 'personIds',
        missing,
      });
    const existing = await trx
      .selectFrom('mailing_sources')
      .selectAll()
      .where('mailing_id', '=', m.id)
      .where('kind', '=', 'persons')
      .executeTakeFirst();
    const row = existing ?? (await this.insertSource(trx, m, 'persons', null, 'Picked persons'));
    for (let i = 0; i < ids.length; i += 500) {
      await trx
        .insertInto('mailing_source_persons')
        .values(ids.slice(i, i + 500).map((person_id) => ({ source_id: row.id, person_id })))
        .onConflict((oc) => oc.columns(['source_id', 'person_id']).doNothing())
        .execute();
    }
    const n = await trx
      .selectFrom('mailing_source_persons')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source_id', '=', row.id)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('mailing_sources')
      .set({ item_count: Number(n.n) })
      .where('id', '=', row.id)
      .execute();
    return { ...row, item_count: Number(n.n) };
  }

  /**
   * A file of recipients (CSV/TXT): `email`, `name, email`, or `name, email, mobile` (`, , mobile`
   * for SMS); comma or semicolon separated; a header row is recognised and skipped. Each row is
   * matched by e-mail to a person; rows without a valid channel address are reported with their
   * line and not stored. Repeated imports collapse into one source row. The file is read and
   * checked, and the rights and state too, before the one transaction that stores it and rebuilds.
   */
  async addFileSource(
    mailingId: number,
    fileName: string,
    data: Buffer,
    actor: Actor,
  ): Promise<FileSourceResult> {
    const m = await this.editableRow(mailingId);
    const channel = m.channel;
    requireCapability(channel, 'fileImport', 'file');
    if (data.length > recipientFileMaxBytes)
      throw invalid('FILE_TOO_LARGE', `the file is larger than ${recipientFileMaxBytes / 1024 / 1024} MB`, {
        file: fileName,
      });
    const { rows, problems } = await parseRecipientFile(data, fileName, channel, this.defaultCountry);
    const prepared = await this.prepare(m, actor);
    const { result: source, unscheduled } = await this.db.transaction().execute(async (trx) => {
      const unscheduled = await this.unschedule(trx, m);
      const existing = await trx
        .selectFrom('mailing_sources')
        .selectAll()
        .where('mailing_id', '=', mailingId)
        .where('kind', '=', 'import')
        .executeTakeFirst();
      const row = existing ?? (await this.insertSource(trx, m, 'import', null, `File: ${fileName}`));
      for (let i = 0; i < rows.length; i += 200) {
        await trx
          .insertInto('mailing_import_rows')
          .values(rows.slice(i, i + 200).map((r) => ({ ...r, source_id: row.id, person_id: null })))
          .execute();
      }
      const itemCount = row.item_count + rows.length;
      const invalidCount = row.invalid_count + problems.length;
      const label = existing
        ? `Files (${existing.label.replace(/^Files? \(?|\)$/g, '')}, ${fileName})`
        : row.label;
      await trx
        .updateTable('mailing_sources')
        .set({ item_count: itemCount, invalid_count: invalidCount, label })
        .where('id', '=', row.id)
        .execute();
      await this.fillIn(trx, prepared, 'edit');
      return { result: { ...row, item_count: itemCount, invalid_count: invalidCount, label }, unscheduled };
    });
    await this.recordUnschedule(actor, mailingId, unscheduled);
    await this.audit.record(actor, 'mailing.addFileSource', 'mailing', mailingId, {
      file: fileName,
      accepted: rows.length,
      invalid: problems.length,
    });
    await this.recordBuild(actor, mailingId, prepared, false);
    return { source: toSource(source), accepted: rows.length, invalid: problems };
  }

  /** Removes a source and rebuilds the list, in one transaction (nothing changes when refused). */
  async removeSource(mailingId: number, sourceId: number, actor: Actor): Promise<void> {
    const m = await this.editableRow(mailingId);
    const exists = await this.db
      .selectFrom('mailing_sources')
      .select('id')
      .where('id', '=', sourceId)
      .where('mailing_id', '=', mailingId)
      .executeTakeFirst();
    if (!exists)
      throw notFound('SOURCE_NOT_FOUND', `mailing ${mailingId} has no recipient source ${sourceId}`);
    const prepared = await this.prepare(m, actor);
    const unscheduled = await this.db.transaction().execute(async (trx) => {
      const unscheduled = await this.unschedule(trx, m);
      const r = await trx
        .deleteFrom('mailing_sources')
        .where('id', '=', sourceId)
        .where('mailing_id', '=', mailingId)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0)
        throw notFound('SOURCE_NOT_FOUND', `mailing ${mailingId} has no recipient source ${sourceId}`);
      await this.fillIn(trx, prepared, 'edit');
      return unscheduled;
    });
    await this.recordUnschedule(actor, mailingId, unscheduled);
    await this.audit.record(actor, 'mailing.removeSource', 'mailing', mailingId, { sourceId });
    await this.recordBuild(actor, mailingId, prepared, false);
  }

  /**
   * Rebuilds the recipient list from the sources, options and the CRM as they are now ("Update
   * list"; sending calls it too when the list is updated on send). Only while the mailing can be
   * edited (draft or scheduled; its state is left as it is): a list that was sent from keeps its
   * history. One transaction: readers see the old list or the new one, never half of it.
   */
  async build(mailingId: number, actor: Actor): Promise<RecipientSummary> {
    return this.fill(mailingId, actor, 'edit');
  }

  /**
   * Reload (PRODUCT.md §12): evaluates the sources again and adds only those not in the list yet
   * as `ready`; the rows already there (sent, read, bounced …) keep their status and history.
   * Returns how many were added.
   */
  async addNew(mailingId: number, actor: Actor): Promise<number> {
    const before = await this.countReady(mailingId);
    await this.fill(mailingId, actor, 'reload');
    return (await this.countReady(mailingId)) - before;
  }

  /**
   * Checks, before a Setup change is written, what rebuilding the list afterwards will need: a
   * mailing that overrides consent may only get a new audience or new options from someone with
   * the overrideConsent right (the list is built with the override). Throws the refusal, so the
   * caller writes nothing.
   */
  async beforeSetupChange(mailingId: number, patch: SetupChange, actor: Actor): Promise<void> {
    if (actor.rights.has('overrideConsent')) return;
    const options = patch.recipientOptions;
    if (options?.overrideConsent === true)
      throw forbidden('OVERRIDE_CONSENT_NOT_ALLOWED', 'override consent needs the overrideConsent right', {
        field: 'recipientOptions.overrideConsent',
      });
    // turning the override off needs no right
    if (!affectsRecipients(Object.keys(patch)) || options?.overrideConsent === false) return;
    if (options?.overrideConsent === null) return;
    const m = await this.mailing(mailingId);
    if (recipientOptionsOf(m).overrideConsent)
      throw forbidden(
        'OVERRIDE_CONSENT_NOT_ALLOWED',
        'this mailing overrides consent: changing its recipients needs the overrideConsent right',
        { field: Object.keys(patch).find((k) => setupFieldsOfRecipients.has(k)) ?? 'recipientOptions' },
      );
  }

  /**
   * After a Setup change (linked selection or project, subscription type, recipient options) the
   * list is rebuilt: at once when small, else in the background — the answer does not wait, and
   * the summary shows `building: { done, total }` until it is in. A list that cannot be built
   * from what is linked now (a selection whose criteria cannot be read …) stays as it was, marked
   * stale, and the summary says why (`buildError`): the change itself was made.
   */
  async afterSetupChange(
    mailingId: number,
    changed: readonly string[],
    actor: Actor,
  ): Promise<'none' | 'built' | 'background' | 'failed'> {
    if (!affectsRecipients(changed)) return 'none';
    const m = await this.mailing(mailingId);
    if (!capabilityMatrix[m.channel].recipientsStep) return 'none';
    let estimate: number;
    try {
      const prepared = await this.prepare(m, actor);
      estimate = await this.estimate(prepared);
    } catch (e) {
      if (!isAppError(e)) throw e;
      this.rememberFailure(mailingId, e);
      return 'failed';
    }
    // while a background build runs, the next change follows it rather than racing it
    if (estimate > backgroundBuildRows || this.background.has(mailingId)) {
      this.startBackground(mailingId, actor, estimate);
      return 'background';
    }
    try {
      await this.fill(mailingId, actor, 'edit');
      return 'built';
    } catch (e) {
      if (!isAppError(e)) throw e;
      this.rememberFailure(mailingId, e);
      return 'failed';
    }
  }

  /** Resolves when no background build runs (of one mailing, or of any): tests and shutdown wait for it. */
  async settled(mailingId?: number): Promise<void> {
    for (;;) {
      const jobs =
        mailingId === undefined
          ? [...this.background.values()]
          : [this.background.get(mailingId)].filter((j) => j !== undefined);
      if (jobs.length === 0) return;
      await Promise.all(jobs.map((j) => j.done));
    }
  }

  private startBackground(mailingId: number, actor: Actor, estimate: number): void {
    const running = this.background.get(mailingId);
    if (running) {
      // the build in progress read the old setup: one more follows it
      running.rerun = actor;
      return;
    }
    const job: { rerun: Actor | null; done: Promise<void> } = { rerun: null, done: Promise.resolve() };
    const builds = recipientBuilds(this.db);
    const progress: BuildProgress = { done: 0, total: estimate, startedAt: this.clock.now() };
    builds.running.set(mailingId, progress);
    job.done = (async () => {
      // the answer first: on SQLite every statement completes synchronously, so without this
      // turn of the event loop the whole build would run before the response is written
      await new Promise((resolve) => setImmediate(resolve));
      let who: Actor | null = actor;
      let attempts = 0;
      while (who !== null) {
        job.rerun = null;
        attempts += 1;
        try {
          await this.fill(mailingId, who, 'edit', progress);
        } catch (e) {
          // the setup changed between preparing and writing: prepared again (a few times at most)
          if (isAppError(e) && e.code === 'MAILING_CHANGED' && job.rerun === null && attempts < 3) {
            job.rerun = who;
          } else {
            // nobody waits for this answer: the failure is kept for the summary, the list stays stale
            this.rememberFailure(mailingId, e);
          }
        }
        who = job.rerun;
      }
    })().finally(() => {
      this.background.delete(mailingId);
      if (builds.running.get(mailingId) === progress) builds.running.delete(mailingId);
    });
    this.background.set(mailingId, job);
  }

  private rememberFailure(mailingId: number, e: unknown): void {
    recipientBuilds(this.db).failed.set(mailingId, {
      code: isAppError(e) ? e.code : 'INTERNAL',
      message: e instanceof Error ? e.message : String(e),
      at: this.clock.now(),
    });
  }

  /** Rows the sources give at most (before the filter and duplicates): decides background or not. */
  private async estimate(prepared: Prepared): Promise<number> {
    const { sources } = await this.candidates(this.db, prepared);
    let n = 0;
    for (const s of sources) {
      const q =
        s.kind === 'import'
          ? sql<{
              n: number | string;
            }>`select count(*) as n from mailing_import_rows where source_id = ${s.ids}`
          : s.kind === 'companies'
            ? sql<{
                n: number | string;
              }>`select count(*) as n from persons p where p.company_id in (${s.ids})`
            : sql<{ n: number | string }>`select count(*) as n from (${s.ids}) x`;
      n += Number((await q.execute(this.db)).rows[0]?.n ?? 0);
    }
    return n;
  }

  private async countReady(mailingId: number): Promise<number> {
    const r = await this.db
      .selectFrom('recipients')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('mailing_id', '=', mailingId)
      .where('status', '=', 'ready')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** A whole build as its own use case: checks, then one transaction, then the audit record. */
  private async fill(
    mailingId: number,
    actor: Actor,
    mode: 'edit' | 'reload',
    progress?: BuildProgress,
  ): Promise<RecipientSummary> {
    const m = await this.mailing(mailingId);
    if (mode === 'edit') nextState(m.state, 'edit');
    const prepared = await this.prepare(m, actor);
    const builds = recipientBuilds(this.db);
    // a build on request shows its progress too (PostgreSQL: other connections read meanwhile)
    const own = progress ?? { done: 0, total: 0, startedAt: this.clock.now() };
    if (!builds.running.has(mailingId)) builds.running.set(mailingId, own);
    try {
      await this.db.transaction().execute((trx) => this.fillIn(trx, prepared, mode, own));
    } finally {
      if (builds.running.get(mailingId) === own && progress === undefined) builds.running.delete(mailingId);
    }
    await this.recordBuild(actor, mailingId, prepared, mode === 'reload');
    return this.summary(mailingId);
  }

  private recordBuild(actor: Actor, mailingId: number, prepared: Prepared, reload: boolean): Promise<void> {
    recipientBuilds(this.db).failed.delete(mailingId);
    return this.audit.record(
      actor,
      reload ? 'mailing.reloadRecipients' : 'mailing.buildRecipients',
      'mailing',
      mailingId,
      { overrideConsent: prepared.options.overrideConsent },
    );
  }

  /**
   * Everything a build needs that must not run inside its transaction (SQLite has one
   * connection, held by the transaction; compiling dynamic criteria reads custom fields), and
   * every check that can refuse it: the channel, the overrideConsent right, the selections (that
   * they exist and their criteria can be read), and which companies' stored e-mails are invalid.
   */
  private async prepare(m: MailingRow, actor: Actor, extraSelections: number[] = []): Promise<Prepared> {
    const channel = m.channel;
    if (!capabilityMatrix[channel].recipientsStep) requireCapability(channel, 'recipientSources');
    const options = recipientOptionsOf(m);
    if (options.overrideConsent && !actor.rights.has('overrideConsent'))
      throw forbidden('OVERRIDE_CONSENT_NOT_ALLOWED', 'override consent needs the overrideConsent right');
    const { privacyFilter } = await this.settings.get();
    const selections = new Map<number, CompiledSelection>();
    const compile = async (id: number, required: boolean) => {
      if (selections.has(id)) return;
      const row = await this.db.selectFrom('selections').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) {
        if (required)
          throw notFound('SELECTION_NOT_FOUND', `selection ${id} does not exist`, { field: 'selectionId' });
        return;
      }
      selections.set(id, {
        id: row.id,
        name: row.name,
        kind: row.member_type === 'companies' ? 'companies' : 'persons',
        ids: await this.selections.memberIdsSql(row),
      });
    };
    // the Setup link: a selection that no longer exists falls back to the project (as listSources shows)
    if (m.selection_id !== null) await compile(m.selection_id, false);
    const added = await this.db
      .selectFrom('mailing_sources')
      .select('ref_id')
      .where('mailing_id', '=', m.id)
      .where('kind', '=', 'selection')
      .execute();
    for (const s of added) if (s.ref_id !== null) await compile(s.ref_id, true);
    for (const id of extraSelections) await compile(id, true);
    const rules = companyRules({ channel, options });
    const invalidCompanyIds: number[] = [];
    if (rules.include && channel !== 'document') {
      // a company's e-mail that is not valid today is no address: its persons are not replaced by it
      const companies = await this.db
        .selectFrom('companies')
        .select(['id', 'email'])
        .where('email', 'is not', null)
        .execute();
      for (const c of companies)
        if (c.email !== null && !validateEmail(c.email).valid) invalidCompanyIds.push(c.id);
    }
    return { mailing: m, channel, options, privacyFilter, selections, invalidCompanyIds };
  }

  /** The sources of the list as candidate subqueries, read through `db` (the build's transaction). */
  private async candidates(
    db: Db,
    prepared: Prepared,
  ): Promise<{ sources: CandidateSource[]; rows: Array<Selectable<Database['mailing_sources']>> }> {
    const sources: CandidateSource[] = [];
    const setup = await this.setupSource(db, prepared.mailing);
    if (setup) sources.push(this.candidate(prepared, setup));
    const rows = await db
      .selectFrom('mailing_sources')
      .selectAll()
      .where('mailing_id', '=', prepared.mailing.id)
      .orderBy('position')
      .execute();
    for (const r of rows) sources.push(this.candidate(prepared, toSource(r)));
    return { sources, rows };
  }

  /**
   * The build inside the caller's transaction: the list is replaced (or, for a reload, added to)
   * as a whole, every stored address is checked again, duplicates marked, and the counts written.
   * The mailing row is locked first (two builds of one mailing follow each other) and read again:
   * when what the build was prepared from changed meanwhile, it refuses rather than store a list
   * that does not match the setup.
   */
  private async fillIn(
    trx: Transaction<Database>,
    prepared: Prepared,
    mode: 'edit' | 'reload',
    progress?: BuildProgress,
  ): Promise<void> {
    const mailingId = prepared.mailing.id;
    await trx
      .updateTable('mailings')
      .set((eb) => ({ recipients_stale: eb.ref('recipients_stale') }))
      .where('id', '=', mailingId)
      .execute();
    const now = await trx.selectFrom('mailings').selectAll().where('id', '=', mailingId).executeTakeFirst();
    if (!now) throw notFound('MAILING_NOT_FOUND', `mailing ${mailingId} does not exist`);
    if (mode === 'edit') nextState(now.state, 'edit');
    const p = prepared.mailing;
    if (
      now.selection_id !== p.selection_id ||
      now.project_id !== p.project_id ||
      now.subscription_type_id !== p.subscription_type_id ||
      now.setup !== p.setup
    )
      throw conflict(
        'MAILING_CHANGED',
        'the mailing changed while its recipient list was being prepared; try again',
      );
    const { sources, rows } = await this.candidates(trx, prepared);
    for (const r of rows) {
      if (r.kind !== 'import') continue;
      // match again: persons created since the upload become CRM recipients
      await sql`update mailing_import_rows set person_id = (
          select min(pe.person_id) from person_emails pe where pe.email_key = mailing_import_rows.email_key)
        where source_id = ${r.id} and email_key is not null`.execute(trx);
    }
    const newOnly = mode === 'reload';
    if (!newOnly) await trx.deleteFrom('recipients').where('mailing_id', '=', mailingId).execute();
    // the rows this build writes get ids above every id now (SQLite's rowid is max + 1 after the
    // delete, PostgreSQL's sequence only grows): the check below reads them by the primary key
    const before = await sql<{ id: number | string | null }>`select max(id) as id from recipients`.execute(
      trx,
    );
    await trx.deleteFrom('recipient_counts').where('mailing_id', '=', mailingId).execute();
    const inserted = await buildRecipientsSql({
      newOnly,
      mailingId,
      channel: prepared.channel,
      options: prepared.options,
      privacyFilter: prepared.privacyFilter,
      subscriptionTypeId: p.subscription_type_id,
      sources,
      now: this.clock.now(),
      invalidCompanyIds: prepared.invalidCompanyIds,
    }).execute(trx);
    if (progress) {
      progress.total = Number(inserted.numAffectedRows ?? progress.total);
      progress.done = 0;
    }
    await this.blockInvalidAddresses(
      trx,
      prepared.channel,
      mailingId,
      Number(before.rows[0]?.id ?? 0),
      progress,
    );
    if (prepared.options.onePerAddress && capabilityMatrix[prepared.channel].onePerAddress)
      await markDuplicatesSql(mailingId).execute(trx);
    // grouped along the (mailing_id, status, reason) index: a scan, no sort
    const counts = await sql<{ status: string; reason: string | null; n: number | string }>`
      select status, reason, count(*) as n from recipients where mailing_id = ${mailingId}
      group by status, reason`.execute(trx);
    if (counts.rows.length > 0)
      await trx
        .insertInto('recipient_counts')
        .values(
          counts.rows.map((c) => ({
            mailing_id: mailingId,
            status: c.status,
            reason: c.reason ?? '',
            n: Number(c.n),
          })),
        )
        .execute();
    await trx
      .updateTable('mailings')
      .set({ recipients_built_at: this.clock.now(), recipients_stale: 0 })
      .where('id', '=', mailingId)
      .execute();
  }

  /**
   * §8 step 1 for what the CRM stores: an e-mail or mobile that is not a valid address today
   * (stored before the rules, by a bulk load, by hand) is `blocked(invalidAddress)`, whatever
   * else the row was blocked for. The rules are code (src/addresses; mobiles by libphonenumber),
   * so the new rows are read back in id order, a page at a time, and only the invalid ones are
   * written. Documents have postal addresses: nothing to check.
   */
  private async blockInvalidAddresses(
    trx: Transaction<Database>,
    channel: Channel,
    mailingId: number,
    afterId: number,
    progress?: BuildProgress,
  ): Promise<void> {
    if (channel === 'document') return;
    const valid =
      channel === 'sms'
        ? (a: string) => validateMobile(a, this.defaultCountry).valid
        : (a: string) => commonEmail(a) || validateEmail(a).valid;
    const bad: number[] = [];
    let last = afterId;
    for (;;) {
      // along the primary key from the first new id (`+mailing_id`: not the mailing's index,
      // which would read each row twice); rows of other mailings written meanwhile are skipped
      const page = (
        await sql<{ id: number; address: string | null; reason: string | null }>`
          select id, address, reason from recipients
          where id > ${last} and +mailing_id = ${mailingId} order by id limit ${addressPage}`.execute(trx)
      ).rows;
      for (const r of page)
        if (r.address !== null && r.reason !== 'invalidAddress' && !valid(r.address)) bad.push(r.id);
      const tail = page[page.length - 1];
      if (tail === undefined) break;
      last = tail.id;
      if (progress) progress.done += page.length;
      if (page.length < addressPage) break;
      // let timers and sockets run between pages (SQLite answers synchronously: no other pause)
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (let i = 0; i < bad.length; i += 1000)
      await trx
        .updateTable('recipients')
        .set({ status: 'blocked', reason: 'invalidAddress', overridden: 0 })
        .where('id', 'in', bad.slice(i, i + 1000))
        .execute();
  }

  /** A scheduled mailing whose recipients change returns to draft (inside the change's transaction). */
  private async unschedule(trx: Transaction<Database>, m: MailingRow): Promise<boolean> {
    if (m.state !== 'scheduled') return false;
    // through the lifecycle table, guarded by the state it was read in
    return (
      (await moveMailing(trx, m.id, 'scheduled', 'edit', this.clock.now(), { scheduled_at: null })) !== null
    );
  }

  private async recordUnschedule(actor: Actor, mailingId: number, unscheduled: boolean): Promise<void> {
    if (unscheduled)
      await this.audit.record(actor, 'mailing.unschedule', 'mailing', mailingId, {
        reason: 'recipients changed',
      });
  }

  async summary(mailingId: number): Promise<RecipientSummary> {
    const m = await this.mailing(mailingId);
    const [rows, files] = await Promise.all([
      this.db
        .selectFrom('recipient_counts')
        .select(['status', 'reason', 'n'])
        .where('mailing_id', '=', mailingId)
        .execute(),
      this.db
        .selectFrom('mailing_sources')
        .select((eb) => eb.fn.sum<number>('invalid_count').as('n'))
        .where('mailing_id', '=', mailingId)
        .executeTakeFirst(),
    ]);
    const summary: RecipientSummary = {
      total: 0,
      byStatus: {},
      byReason: {},
      overridden: {},
      stale: m.recipients_stale === 1,
      builtAt: m.recipients_built_at,
    };
    const builds = recipientBuilds(this.db);
    const building = builds.running.get(mailingId);
    if (building) summary.building = { done: building.done, total: Math.max(building.total, building.done) };
    const failed = builds.failed.get(mailingId);
    if (failed) summary.buildError = { ...failed };
    for (const r of rows) {
      const n = Number(r.n);
      if (n === 0) continue;
      summary.total += n;
      summary.byStatus[r.status] = (summary.byStatus[r.status] ?? 0) + n;
      // a row's reason is a block reason, or after sending the bounce's kind (hardBounce…): only
      // block reasons are counted here — on a row that is not blocked, the ones overridden
      const reason = r.reason ?? '';
      if (!isBlockReason(reason)) continue;
      const bucket = r.status === 'blocked' ? summary.byReason : summary.overridden;
      bucket[reason] = (bucket[reason] ?? 0) + n;
    }
    // file rows without a valid address were never added to the list, but are counted (§8 step 1)
    const fileInvalid = Number(files?.n ?? 0);
    if (fileInvalid > 0)
      summary.byReason.invalidAddress = (summary.byReason.invalidAddress ?? 0) + fileInvalid;
    return summary;
  }

  async list(mailingId: number, query: z.input<typeof recipientListQuery>): Promise<Page<Recipient>> {
    const q = recipientListQuery.parse(query);
    await this.mailing(mailingId);
    const statuses = q.status
      ? q.status
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : [];
    let base = this.db.selectFrom('recipients as r').where('r.mailing_id', '=', mailingId);
    if (statuses.length > 0) base = base.where('r.status', 'in', statuses);
    if (q.reason) base = base.where('r.reason', '=', q.reason);
    const [rows, total] = await Promise.all([
      base
        .leftJoin('persons as p', 'p.id', 'r.person_id')
        .leftJoin('companies as c', (j) => j.on(sql<boolean>`c.id = coalesce(r.company_id, p.company_id)`))
        .leftJoin('mailing_import_rows as ir', 'ir.id', 'r.import_row_id')
        .select([
          'r.id',
          'r.kind',
          'r.person_id',
          'r.company_id',
          'r.address',
          'r.status',
          'r.reason',
          'r.overridden',
          'r.source_id',
          'p.first_name',
          'p.middle_name',
          'p.last_name',
          'c.name as company_name',
          'ir.name as import_name',
        ])
        .orderBy('r.id')
        .limit(q.limit)
        .offset(q.offset)
        .execute(),
      statuses.length === 0 && !q.reason
        ? this.db
            .selectFrom('recipient_counts')
            .select((eb) => eb.fn.sum<number>('n').as('n'))
            .where('mailing_id', '=', mailingId)
            .executeTakeFirst()
        : base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return {
      items: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        personId: r.person_id,
        companyId: r.company_id,
        name:
          r.kind === 'person'
            ? [r.first_name, r.middle_name, r.last_name].filter((x) => x).join(' ')
            : r.kind === 'company'
              ? (r.company_name ?? '')
              : (r.import_name ?? r.address ?? ''),
        companyName: r.kind === 'company' ? null : r.company_name,
        address: r.address,
        status: r.status,
        reason: r.reason as BlockReason | null,
        overridden: r.overridden === 1,
        sourceId: r.source_id,
      })),
      total: Number(total?.n ?? 0),
    };
  }

  /**
   * Merge data for many recipients of a mailing at once (the sending path): a fixed handful of
   * queries per batch, whatever its size, instead of several per recipient.
   */
  async mergeDataMany(mailingId: number, recipientIds: readonly number[]): Promise<Map<number, MergeData>> {
    const out = new Map<number, MergeData>();
    if (recipientIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('recipients as r')
      .leftJoin('persons as p', 'p.id', 'r.person_id')
      .leftJoin('companies as c', (j) => j.on(sql<boolean>`c.id = coalesce(r.company_id, p.company_id)`))
      .leftJoin('mailing_import_rows as ir', 'ir.id', 'r.import_row_id')
      .select([
        'r.id',
        'r.kind',
        'r.address',
        'p.id as person_id',
        'p.first_name',
        'p.middle_name',
        'p.last_name',
        'p.title',
        'p.salutation',
        'p.language',
        'p.mobile',
        'p.email as person_email',
        'p.street',
        'p.postcode',
        'p.city',
        'p.country',
        'p.our_contact_id',
        'c.id as company_id',
        'c.name as company_name',
        'c.street as c_street',
        'c.postcode as c_postcode',
        'c.city as c_city',
        'c.country as c_country',
        'c.domain as c_domain',
        'c.email as c_email',
        'c.phone as c_phone',
        'c.our_contact_id as c_our_contact_id',
        'ir.name as import_name',
      ])
      .where('r.mailing_id', '=', mailingId)
      .where('r.id', 'in', [...recipientIds])
      .execute();
    const userIds = [
      ...new Set(
        rows.flatMap((r) => [r.our_contact_id, r.c_our_contact_id]).filter((x): x is number => x !== null),
      ),
    ];
    const users = new Map<number, ContactData>();
    if (userIds.length > 0) {
      for (const u of await this.db
        .selectFrom('users')
        .select(['id', 'name', 'email', 'phone', 'mobile'])
        .where('id', 'in', userIds)
        .execute())
        users.set(u.id, { name: u.name, email: u.email, phone: u.phone, mobile: u.mobile });
    }
    const custom = new Map<string, Record<string, string | null>>();
    const personIds = rows.map((r) => r.person_id).filter((x): x is number => x !== null);
    const companyIds = rows.map((r) => r.company_id).filter((x): x is number => x !== null);
    for (const [entity, ids] of [
      ['person', personIds],
      ['company', companyIds],
    ] as const) {
      if (ids.length === 0) continue;
      const values = await this.db
        .selectFrom('custom_values as v')
        .innerJoin('custom_fields as f', 'f.id', 'v.field_id')
        .select(['v.owner_id', 'f.key', 'v.value_text', 'v.value_number'])
        .where('f.entity', '=', entity)
        .where('v.owner_id', 'in', [...new Set(ids)])
        .execute();
      for (const v of values) {
        const key = `${entity}:${v.owner_id}`;
        const bag = custom.get(key) ?? {};
        bag[v.key] = v.value_text ?? (v.value_number === null ? null : String(v.value_number));
        custom.set(key, bag);
      }
    }
    const postal = (
      street: string | null,
      postcode: string | null,
      city: string | null,
      country: string | null,
    ) => {
      const lines = [street, [postcode, city].filter((x) => x).join(' '), country].filter((x) => x);
      return lines.length > 0 ? lines.join('\n') : null;
    };
    for (const r of rows) {
      if (r.kind === 'unregistered') {
        out.set(r.id, { registered: false, name: r.import_name ?? null, email: r.address });
        continue;
      }
      const company =
        r.company_id !== null
          ? {
              name: r.company_name ?? '',
              address: postal(r.c_street, r.c_postcode, r.c_city, r.c_country),
              domain: r.c_domain,
              email: r.c_email,
              phone: r.c_phone,
              ourContact: r.c_our_contact_id !== null ? (users.get(r.c_our_contact_id) ?? null) : null,
              custom: custom.get(`company:${r.company_id}`),
            }
          : null;
      if (r.kind === 'company' || r.person_id === null) {
        out.set(r.id, { registered: true, name: r.company_name ?? null, email: r.address, company });
        continue;
      }
      out.set(r.id, {
        registered: true,
        name: [r.first_name, r.middle_name, r.last_name].filter((x) => x).join(' '),
        email: r.address ?? r.person_email,
        mobile: r.mobile,
        firstName: r.first_name,
        middleName: r.middle_name,
        lastName: r.last_name,
        title: r.title,
        salutation: r.salutation,
        language: r.language,
        address: postal(r.street, r.postcode, r.city, r.country),
        company,
        ourContact: r.our_contact_id !== null ? (users.get(r.our_contact_id) ?? null) : null,
        custom: custom.get(`person:${r.person_id}`),
      });
    }
    return out;
  }

  /** Everything the merge language needs for one recipient (PRODUCT.md §6). */
  async mergeData(
    mailingId: number,
    recipientId: number,
  ): Promise<{ data: MergeData; recipient: Recipient }> {
    const r = await this.db
      .selectFrom('recipients')
      .selectAll()
      .where('mailing_id', '=', mailingId)
      .where('id', '=', recipientId)
      .executeTakeFirst();
    if (!r) throw notFound('RECIPIENT_NOT_FOUND', `mailing ${mailingId} has no recipient ${recipientId}`);
    const recipient = await this.one(r);
    if (r.kind === 'unregistered') {
      return { recipient, data: { registered: false, name: recipient.name || null, email: r.address } };
    }
    const person = r.person_id
      ? await this.db.selectFrom('persons').selectAll().where('id', '=', r.person_id).executeTakeFirst()
      : undefined;
    const companyId = r.company_id ?? person?.company_id ?? null;
    const company = companyId
      ? await this.db.selectFrom('companies').selectAll().where('id', '=', companyId).executeTakeFirst()
      : undefined;
    const contact = async (id: number | null | undefined): Promise<ContactData | null> => {
      if (!id) return null;
      const u = await this.db
        .selectFrom('users')
        .select(['name', 'email', 'phone', 'mobile'])
        .where('id', '=', id)
        .executeTakeFirst();
      return u ?? null;
    };
    const custom = async (entity: 'person' | 'company', ownerId: number | undefined) => {
      if (!ownerId) return {};
      const rows = await this.db
        .selectFrom('custom_values as v')
        .innerJoin('custom_fields as f', 'f.id', 'v.field_id')
        .select(['f.key', 'v.value_text', 'v.value_number'])
        .where('f.entity', '=', entity)
        .where('v.owner_id', '=', ownerId)
        .execute();
      const out: Record<string, string | null> = {};
      for (const row of rows)
        out[row.key] = row.value_text ?? (row.value_number === null ? null : String(row.value_number));
      return out;
    };
    const postal = (x: {
      street: string | null;
      postcode: string | null;
      city: string | null;
      country: string | null;
    }) => {
      const line2 = [x.postcode, x.city].filter((v) => v).join(' ');
      const lines = [x.street, line2, x.country].filter((v) => v);
      return lines.length > 0 ? lines.join('\n') : null;
    };
    const companyData = company
      ? {
          name: company.name,
          address: postal(company),
          domain: company.domain,
          email: company.email,
          phone: company.phone,
          ourContact: await contact(company.our_contact_id),
          custom: await custom('company', company.id),
        }
      : null;
    if (r.kind === 'company' || !person) {
      return {
        recipient,
        data: { registered: true, name: company?.name ?? null, email: r.address, company: companyData },
      };
    }
    return {
      recipient,
      data: {
        registered: true,
        name: recipient.name,
        email: r.address ?? person.email,
        mobile: person.mobile,
        firstName: person.first_name,
        middleName: person.middle_name,
        lastName: person.last_name,
        title: person.title,
        salutation: person.salutation,
        language: person.language,
        address: postal(person),
        company: companyData,
        ourContact: await contact(person.our_contact_id),
        custom: await custom('person', person.id),
      },
    };
  }

  private async one(r: Selectable<Database['recipients']>): Promise<Recipient> {
    const p = r.person_id
      ? await this.db
          .selectFrom('persons as p')
          .leftJoin('companies as c', 'c.id', 'p.company_id')
          .select(['p.first_name', 'p.middle_name', 'p.last_name', 'c.name as company_name'])
          .where('p.id', '=', r.person_id)
          .executeTakeFirst()
      : undefined;
    const c = r.company_id
      ? await this.db.selectFrom('companies').select('name').where('id', '=', r.company_id).executeTakeFirst()
      : undefined;
    const ir = r.import_row_id
      ? await this.db
          .selectFrom('mailing_import_rows')
          .select('name')
          .where('id', '=', r.import_row_id)
          .executeTakeFirst()
      : undefined;
    return {
      id: r.id,
      kind: r.kind,
      personId: r.person_id,
      companyId: r.company_id,
      name:
        r.kind === 'person' && p
          ? [p.first_name, p.middle_name, p.last_name].filter((x) => x).join(' ')
          : r.kind === 'company'
            ? (c?.name ?? '')
            : (ir?.name ?? r.address ?? ''),
      companyName: r.kind === 'company' ? null : (p?.company_name ?? null),
      address: r.address,
      status: r.status,
      reason: r.reason as BlockReason | null,
      overridden: r.overridden === 1,
      sourceId: r.source_id,
    };
  }

  private candidate(prepared: Prepared, s: RecipientSource): CandidateSource {
    const base = { position: s.position, sourceId: s.id };
    if (s.kind === 'selection') {
      const compiled = prepared.selections.get(s.refId ?? 0);
      // a selection linked (or added) after the build was prepared: prepared again next time
      if (!compiled)
        throw conflict(
          'MAILING_CHANGED',
          'the recipient sources changed while the list was being prepared; try again',
        );
      return { ...base, kind: compiled.kind, ids: compiled.ids };
    }
    if (s.kind === 'project')
      return {
        ...base,
        kind: 'persons',
        ids: sql`select person_id from project_members where project_id = ${s.refId}`,
      };
    if (s.kind === 'persons')
      return {
        ...base,
        kind: 'persons',
        ids: sql`select person_id from mailing_source_persons where source_id = ${s.id}`,
      };
    return { ...base, kind: 'import', ids: sql`${s.id}` };
  }

  /** The Setup link rule: a linked selection is a source; a linked project only when no selection is linked. */
  private async setupSource(db: Db, m: MailingRow): Promise<RecipientSource | null> {
    const linked: Array<['selection' | 'project', 'selections' | 'projects', number | null, string]> = [
      ['selection', 'selections', m.selection_id, 'Selection'],
      ['project', 'projects', m.project_id, 'Project'],
    ];
    for (const [kind, table, refId, noun] of linked) {
      if (refId === null) continue;
      const row = await db
        .selectFrom(table)
        .select(['id', 'name'])
        .where('id', '=', refId)
        .executeTakeFirst();
      if (row)
        return {
          id: null,
          kind,
          origin: 'setup',
          refId: row.id,
          label: `${noun}: ${row.name}`,
          itemCount: 0,
          invalidCount: 0,
          position: 0,
        };
    }
    return null;
  }

  private async insertSource(
    trx: Db,
    m: MailingRow,
    kind: 'selection' | 'project' | 'persons' | 'import',
    refId: number | null,
    label: string,
  ): Promise<Selectable<Database['mailing_sources']>> {
    const max = await trx
      .selectFrom('mailing_sources')
      .select((eb) => eb.fn.max<number>('position').as('p'))
      .where('mailing_id', '=', m.id)
      .executeTakeFirst();
    return trx
      .insertInto('mailing_sources')
      .values({
        mailing_id: m.id,
        kind,
        origin: 'added',
        ref_id: refId,
        label,
        item_count: 0,
        invalid_count: 0,
        position: Number(max?.p ?? 0) + 1,
        created_at: this.clock.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  private mailing(id: number): Promise<MailingRow> {
    return findMailingRow(this.db, id);
  }

  /**
   * Sources change only while the mailing is editable (PRODUCT.md §4): the check alone, nothing
   * written — a scheduled mailing returns to draft inside the change's own transaction
   * ({@link unschedule}), so a change refused later leaves it scheduled.
   */
  private async editableRow(id: number): Promise<MailingRow> {
    const m = await this.mailing(id);
    nextState(m.state, 'edit');
    if (m.channel === 'formResponse') requireCapability('formResponse', 'recipientSources');
    return m;
  }
}

/** Builds with more candidate rows than this run in the background after a Setup change. */
export const backgroundBuildRows = 10_000;

/** Rows read back per page when the stored addresses are checked. */
const addressPage = 10_000;

/**
 * The common shape of an e-mail address, tested in a fraction of the time the full rules take
 * (a million addresses are checked at every build). Everything it accepts, {@link validateEmail}
 * accepts: a local part of dot-separated atoms of atext characters, one `@`, host-name labels of
 * at most 63 letters, digits and inner hyphens, a top-level domain that starts with a letter (not
 * numeric), the local part at most 64 and the whole at most 254 characters, no spaces. What it
 * does not accept goes to the full rules.
 */
const commonEmailShape =
  /^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function commonEmail(address: string): boolean {
  return address.length <= 254 && address.indexOf('@') <= 64 && commonEmailShape.test(address);
}

/** The mailing fields whose change changes the recipient list (PATCH /mailings/{id}). */
const setupFieldsOfRecipients = new Set([
  'selectionId',
  'projectId',
  'subscriptionTypeId',
  'recipientOptions',
]);

export function affectsRecipients(changed: readonly string[]): boolean {
  return changed.some((k) => setupFieldsOfRecipients.has(k));
}

/** The part of a mailing change that {@link RecipientsService.beforeSetupChange} looks at. */
export interface SetupChange {
  /** `null` (a merge patch) puts the option back to its default, off. */
  recipientOptions?: { overrideConsent?: boolean | null | undefined } | undefined;
}

interface CompiledSelection {
  id: number;
  name: string;
  kind: 'persons' | 'companies';
  ids: RawBuilder<unknown>;
}

/** What a build was prepared from, outside its transaction. */
interface Prepared {
  mailing: MailingRow;
  channel: Channel;
  options: RecipientOptions;
  privacyFilter: boolean;
  selections: Map<number, CompiledSelection>;
  invalidCompanyIds: number[];
}

export function recipientOptionsOf(m: MailingRow): RecipientOptions {
  const setup = JSON.parse(m.setup) as { recipients?: unknown };
  return recipientOptionsSchema.parse(setup.recipients ?? {});
}

interface FileRow {
  line: number;
  name: string | null;
  email: string | null;
  email_key: string | null;
  mobile: string | null;
}

/**
 * The rows of a recipient file and the problems of the rest (no database: it runs before any
 * write). Read by the import's reader (UTF-8 with or without BOM or Windows-1252; comma,
 * semicolon or tab), without a header: the first row is a header only when it names columns.
 */
async function parseRecipientFile(
  data: Buffer,
  fileName: string,
  channel: Channel,
  defaultCountry: string,
): Promise<{ rows: FileRow[]; problems: FileRowProblem[] }> {
  const sample = data.subarray(0, Math.min(data.length, 65_536));
  // binary, or a zip (an XLSX workbook, which the reader would open): a recipient file is text
  if (sample.includes(0) || sample.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])))
    throw invalid('FILE_NOT_TEXT', `${fileName} is not a text file (it contains binary data)`, {
      file: fileName,
    });
  if (data.length === 0) return { rows: [], problems: [] };
  const dir = await mkdtemp(join(tmpdir(), 'posthorn-recipients-'));
  const records: Array<{ line: number; values: string[] }> = [];
  try {
    const file = join(dir, 'recipients.csv');
    await writeFile(file, data);
    const source = await openRowSource(file, {
      maxBytes: recipientFileMaxBytes,
      name: fileName,
      header: false,
      relaxQuotes: true,
    });
    for await (const r of source.rows()) records.push(r);
  } catch (e) {
    if (isAppError(e) && e.code === 'IMPORT_MALFORMED_CSV')
      throw invalid('FILE_UNREADABLE', e.message, { ...e.details, file: fileName });
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const rows: FileRow[] = [];
  const problems: FileRowProblem[] = [];
  records.forEach(({ line, values }, index) => {
    const cells = values.map((c) => c.trim());
    if (cells.every((c) => c === '')) return;
    if (index === 0 && cells.some((c) => /^(e-?mail|name|navn|mobile|mobil|phone)$/i.test(c))) return;
    if (cells.length > 3) {
      problems.push({
        line,
        field: 'row',
        value: `${cells.length} columns`,
        reason: 'a row has at most 3 columns: name, email, mobile',
      });
      return;
    }
    const [a = '', b = '', c = ''] = cells;
    const name = cells.length === 1 ? null : a || null;
    const emailRaw = cells.length === 1 ? a : b;
    let email: string | null = null;
    let key: string | null = null;
    if (emailRaw !== '') {
      const r = validateEmail(emailRaw);
      if (r.valid) {
        email = r.address;
        key = r.key;
      } else if (channel !== 'sms') {
        problems.push({ line, field: 'email', value: emailRaw, reason: r.message });
        return;
      }
    }
    let mobile: string | null = null;
    if (c !== '') {
      const r = validateMobile(c, defaultCountry);
      if (r.valid) mobile = r.e164;
      else if (channel === 'sms') {
        problems.push({ line, field: 'mobile', value: c, reason: r.message });
        return;
      }
    }
    if (channel === 'sms' && !mobile && !email) {
      problems.push({ line, field: 'mobile', value: '', reason: 'the row has no mobile number' });
      return;
    }
    if (channel !== 'sms' && !email) {
      problems.push({ line, field: 'email', value: '', reason: 'the row has no e-mail address' });
      return;
    }
    rows.push({ line, name, email, email_key: key, mobile });
  });
  return { rows, problems };
}

function toSource(r: Selectable<Database['mailing_sources']> | RecipientSource): RecipientSource {
  if ('mailing_id' in r) {
    return {
      id: r.id,
      kind: r.kind,
      origin: r.origin,
      refId: r.ref_id,
      label: r.label,
      itemCount: r.item_count,
      invalidCount: r.invalid_count,
      position: r.position,
    };
  }
  return r;
}
