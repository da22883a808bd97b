import { parse as parseCsv } from 'csv-parse/sync';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { validateEmail, validateMobile } from '../addresses/index.js';
import {
  type Actor,
  type AuditSink,
  type Clock,
  forbidden,
  invalid,
  notFound,
  type Page,
} from '../core/index.js';
import type { SelectionsService } from '../crm/index.js';
import { type Channel, capabilityMatrix, requireCapability } from '../mailings/channels.js';
import { editableMailingRow, findMailingRow, type MailingRow } from '../mailings/mailing-row.js';
import { type RecipientOptions, recipientOptionsSchema } from '../mailings/setup.js';
import type { ContactData, MergeData } from '../merge/index.js';
import type { SettingsService } from '../settings/index.js';
import type { Database } from '../storage/index.js';
import { buildRecipientsSql, type CandidateSource, markDuplicatesSql } from './build.js';

export const blockReasons = [
  'invalidAddress',
  'blockedAddress',
  'complained',
  'noConsent',
  'noSubscription',
  'duplicate',
] as const;
export type BlockReason = (typeof blockReasons)[number];

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

  async addSource(
    mailingId: number,
    input: z.input<typeof recipientSourceInput>,
    actor: Actor,
  ): Promise<RecipientSource> {
    const v = recipientSourceInput.parse(input);
    const m = await this.editable(mailingId, actor);
    requireCapability(m.channel as Channel, 'recipientSources', 'kind');
    // look-ups before the transaction: SQLite has one connection, held by the transaction
    const sel = v.kind === 'selection' ? await this.selections.get(v.selectionId) : null;
    const source = await this.db.transaction().execute(async (trx) => {
      if (sel) return this.insertSource(trx, m, 'selection', sel.id, `Selection: ${sel.name}`);
      if (v.kind === 'project') {
        const p = await trx
          .selectFrom('projects')
          .select(['id', 'name'])
          .where('id', '=', v.projectId)
          .executeTakeFirst();
        if (!p)
          throw notFound('PROJECT_NOT_FOUND', `project ${v.projectId} does not exist`, {
            field: 'projectId',
          });
        return this.insertSource(trx, m, 'project', p.id, `Project: ${p.name}`);
      }
      if (v.kind !== 'persons') throw new Error('unreachable');
      const ids = [...new Set(v.personIds)];
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
      // picked persons collapse into one source row with a count
      const existing = await trx
        .selectFrom('mailing_sources')
        .selectAll()
        .where('mailing_id', '=', mailingId)
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
    });
    await this.audit.record(actor, 'mailing.addSource', 'mailing', mailingId, v);
    await this.build(mailingId, actor);
    return toSource(source);
  }

  /**
   * A file of recipients (CSV/TXT): `email`, `name, email`, or `name, email, mobile` (`, , mobile`
   * for SMS); comma or semicolon separated; a header row is recognised and skipped. Each row is
   * matched by e-mail to a person; rows without a valid channel address are reported with their
   * line and not stored. Repeated imports collapse into one source row.
   */
  async addFileSource(
    mailingId: number,
    fileName: string,
    data: Buffer,
    actor: Actor,
  ): Promise<FileSourceResult> {
    const m = await this.editable(mailingId, actor);
    const channel = m.channel as Channel;
    requireCapability(channel, 'fileImport', 'file');
    if (data.length > recipientFileMaxBytes)
      throw invalid('FILE_TOO_LARGE', `the file is larger than ${recipientFileMaxBytes / 1024 / 1024} MB`, {
        file: fileName,
      });
    const text = decodeText(data, fileName);
    const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
    const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
    let records: string[][];
    try {
      records = parseCsv(text, {
        delimiter,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: false,
        bom: true,
      });
    } catch (e) {
      throw invalid('FILE_UNREADABLE', `${fileName}: ${e instanceof Error ? e.message : String(e)}`, {
        file: fileName,
      });
    }
    const rows: Array<{
      line: number;
      name: string | null;
      email: string | null;
      email_key: string | null;
      mobile: string | null;
    }> = [];
    const problems: FileRowProblem[] = [];
    records.forEach((rec, index) => {
      const line = index + 1;
      const cells = rec.map((c) => c.trim());
      if (cells.every((c) => c === '')) return;
      if (line === 1 && cells.some((c) => /^(e-?mail|name|navn|mobile|mobil|phone)$/i.test(c))) return;
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
        const r = validateMobile(c, this.defaultCountry);
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
    const source = await this.db.transaction().execute(async (trx) => {
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
      return { ...row, item_count: itemCount, invalid_count: invalidCount, label };
    });
    await this.audit.record(actor, 'mailing.addFileSource', 'mailing', mailingId, {
      file: fileName,
      accepted: rows.length,
      invalid: problems.length,
    });
    await this.build(mailingId, actor);
    return { source: toSource(source), accepted: rows.length, invalid: problems };
  }

  async removeSource(mailingId: number, sourceId: number, actor: Actor): Promise<void> {
    await this.editable(mailingId, actor);
    const r = await this.db
      .deleteFrom('mailing_sources')
      .where('id', '=', sourceId)
      .where('mailing_id', '=', mailingId)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0)
      throw notFound('SOURCE_NOT_FOUND', `mailing ${mailingId} has no recipient source ${sourceId}`);
    await this.audit.record(actor, 'mailing.removeSource', 'mailing', mailingId, { sourceId });
    await this.build(mailingId, actor);
  }

  /**
   * Rebuilds the recipient list from the sources, options and the CRM as they are now ("Update
   * list"; also after every change of sources or options). One transaction: readers see the old
   * list or the new one, never half of it.
   */
  async build(mailingId: number, actor: Actor): Promise<RecipientSummary> {
    return this.fill(mailingId, actor, false);
  }

  /**
   * Reload (PRODUCT.md §12): evaluates the sources again and adds only those not in the list yet
   * as `ready`; the rows already there (sent, read, bounced …) keep their status and history.
   * Returns how many were added.
   */
  async addNew(mailingId: number, actor: Actor): Promise<number> {
    const before = await this.countReady(mailingId);
    await this.fill(mailingId, actor, true);
    return (await this.countReady(mailingId)) - before;
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

  private async fill(mailingId: number, actor: Actor, newOnly: boolean): Promise<RecipientSummary> {
    const m = await this.mailing(mailingId);
    const channel = m.channel as Channel;
    if (!capabilityMatrix[channel].recipientsStep) requireCapability(channel, 'recipientSources');
    const options = recipientOptionsOf(m);
    if (options.overrideConsent && !actor.rights.has('overrideConsent'))
      throw forbidden('OVERRIDE_CONSENT_NOT_ALLOWED', 'override consent needs the overrideConsent right');
    const { privacyFilter } = await this.settings.get();
    const now = this.clock.now();
    // compile the sources before the transaction (criteria may read custom fields; SQLite has one connection)
    const sources: CandidateSource[] = [];
    const setup = await this.setupSource(this.db, m);
    if (setup) sources.push(await this.candidate(this.db, setup));
    const rows = await this.db
      .selectFrom('mailing_sources')
      .selectAll()
      .where('mailing_id', '=', mailingId)
      .orderBy('position')
      .execute();
    for (const r of rows) sources.push(await this.candidate(this.db, toSource(r)));
    await this.db.transaction().execute(async (trx) => {
      for (const r of rows) {
        if (r.kind !== 'import') continue;
        // match again: persons created since the upload become CRM recipients
        await sql`update mailing_import_rows set person_id = (
            select min(pe.person_id) from person_emails pe where pe.email_key = mailing_import_rows.email_key)
          where source_id = ${r.id} and email_key is not null`.execute(trx);
      }
      if (!newOnly) await trx.deleteFrom('recipients').where('mailing_id', '=', mailingId).execute();
      await trx.deleteFrom('recipient_counts').where('mailing_id', '=', mailingId).execute();
      await buildRecipientsSql({
        newOnly,
        mailingId,
        channel,
        options,
        privacyFilter,
        subscriptionTypeId: m.subscription_type_id,
        sources,
        now,
      }).execute(trx);
      if (options.onePerAddress && capabilityMatrix[channel].onePerAddress)
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
        .set({ recipients_built_at: now, recipients_stale: 0 })
        .where('id', '=', mailingId)
        .execute();
    });
    await this.audit.record(
      actor,
      newOnly ? 'mailing.reloadRecipients' : 'mailing.buildRecipients',
      'mailing',
      mailingId,
      {
        overrideConsent: options.overrideConsent,
      },
    );
    return this.summary(mailingId);
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
    for (const r of rows) {
      const n = Number(r.n);
      if (n === 0) continue;
      summary.total += n;
      summary.byStatus[r.status] = (summary.byStatus[r.status] ?? 0) + n;
      const reason = r.reason as BlockReason | '';
      if (reason === '') continue;
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

  private async candidate(db: Db, s: RecipientSource): Promise<CandidateSource> {
    const base = { position: s.position, sourceId: s.id };
    if (s.kind === 'selection') {
      const row = await db
        .selectFrom('selections')
        .selectAll()
        .where('id', '=', s.refId ?? 0)
        .executeTakeFirst();
      if (!row) throw notFound('SELECTION_NOT_FOUND', `selection ${s.refId} does not exist`);
      return {
        ...base,
        kind: row.member_type === 'companies' ? 'companies' : 'persons',
        ids: await this.selections.memberIdsSql(row),
      };
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

  /** Sources change only while the mailing is editable; a scheduled mailing returns to draft. */
  private async editable(id: number, actor: Actor): Promise<MailingRow> {
    const m = await editableMailingRow(this.db, this.audit, id, actor, 'recipients changed');
    if (m.channel === 'formResponse') requireCapability('formResponse', 'recipientSources');
    return m;
  }
}

export function recipientOptionsOf(m: MailingRow): RecipientOptions {
  const setup = JSON.parse(m.setup) as { recipients?: unknown };
  return recipientOptionsSchema.parse(setup.recipients ?? {});
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

/** UTF-8 (with or without BOM) or Windows-1252; binary content is refused. */
function decodeText(data: Buffer, fileName: string): string {
  const sample = data.subarray(0, Math.min(data.length, 65_536));
  if (sample.includes(0))
    throw invalid('FILE_NOT_TEXT', `${fileName} is not a text file (it contains binary data)`, {
      file: fileName,
    });
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(data);
  if (!utf8.includes('\uFFFD')) return utf8;
  return new TextDecoder('windows-1252').decode(data);
}
