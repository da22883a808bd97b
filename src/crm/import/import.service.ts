import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import {
  type Actor,
  type AppError,
  type AuditSink,
  type Clock,
  invalid,
  KeyLineSet,
  searchKey,
  toFlag,
} from '../../core/index.js';
import { type BulkWriter, type Database, mergeStagedPersonEmails } from '../../storage/index.js';
import { newCompanyRow } from '../companies.service.js';
import { ensureInterest, nameKeys } from '../persons.service.js';
import { writeConsent, writeSubscription } from '../preferences.service.js';
import { type ColumnMapping, mapColumns } from './columns.js';
import { parseInWorker } from './parse-in-worker.js';
import { openRowSource } from './reader.js';
import type { InvalidRow, ParsedRow, PersonColumn, TargetContext } from './rows.js';

export type { InvalidAction, InvalidRow } from './rows.js';

export interface ImportReport {
  importId: number;
  dryRun: boolean;
  format: 'csv' | 'xlsx';
  encoding: string | null;
  delimiter: string | null;
  columns: ColumnMapping['columns'];
  ignoredColumns: string[];
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Entries of `invalid`, all of them: `rowsSkipped` + `valuesSkipped`. */
  invalidCount: number;
  /** Rows from which no person could be made (their e-mail address is the problem). */
  rowsSkipped: number;
  /** Values left out of persons that were imported without them. */
  valuesSkipped: number;
  /**
   * What was skipped, in file order, each with its `action`; at most 10,000 entries (see
   * `invalidTruncated`; the counts are always complete).
   */
  invalid: InvalidRow[];
  invalidTruncated: boolean;
  companiesCreated: number;
  durationMs: number;
}

export interface ImportProgress {
  /** Rows done (written, or checked in a dry run). */
  rows: number;
  /**
   * The file's rows: an estimate from the bytes read so far while the import runs (so it is
   * known from the first batch on, without counting the file first), never below `rows`, and
   * exact — equal to `rows` — in the last call.
   */
  totalRows: number;
  /** How far into the file the rows done reach. */
  bytesRead: number;
  totalBytes: number;
}

export interface ImportFileOptions {
  dryRun?: boolean | undefined;
  mapping?: Record<string, string | null> | undefined;
  delimiter?: ',' | ';' | '\t' | undefined;
  encoding?: 'utf-8' | 'windows-1252' | undefined;
  /**
   * The name to record and to name the file in errors (the upload's name when the file is a
   * temporary copy, whose server path must not be shown).
   */
  fileName?: string | undefined;
  onProgress?: ((p: ImportProgress) => void) | undefined;
}

interface ImportConfig {
  defaultCountry: string;
  batchSize: number;
  maxBytes: number;
  /** Files at least this large are loaded in bulk-load mode (secondary indexes rebuilt at the end). */
  bulkLoadMinBytes: number;
}

const MAX_REPORTED_INVALID = 10_000;

/**
 * Imports persons (with their companies) from CSV or XLSX, streaming: rows are validated and
 * written in batches, one transaction per batch, so memory stays flat and a failure loses only
 * the batch in progress — everything committed before stays.
 *
 * Rules: persons are matched by e-mail (any of their addresses, case-insensitive) and updated, or
 * created. Only mapped columns are written; an empty cell never clears a stored value. Consent and
 * subscription columns are applied only when mapped, and every change they make is recorded with
 * source `import`. A dry run does every read and check and writes nothing but its own report.
 */
export class ImportService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bulk: BulkWriter,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly config: ImportConfig,
  ) {}

  async importPersons(file: string, options: ImportFileOptions, actor: Actor): Promise<ImportReport> {
    const started = Date.now();
    const dryRun = options.dryRun ?? false;
    // errors name an upload by its original name, never by the temporary copy's server path
    const read = {
      maxBytes: this.config.maxBytes,
      delimiter: options.delimiter,
      encoding: options.encoding,
      name: options.fileName,
    };
    const source = await openRowSource(file, read);
    const mapping = mapColumns(source.headers, options.mapping);
    const context = await this.resolveTargets(mapping);

    const now = this.clock.now();
    const importRow = await this.db
      .insertInto('imports')
      .values({
        kind: 'persons',
        file_name: options.fileName ?? file,
        dry_run: toFlag(dryRun),
        status: 'running',
        created: 0,
        updated: 0,
        unchanged: 0,
        invalid: 0,
        report: '{}',
        created_by: actor.label,
        started_at: now,
        finished_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const report: ImportReport = {
      importId: importRow.id,
      dryRun,
      format: source.format,
      encoding: source.encoding,
      delimiter: source.delimiter,
      columns: mapping.columns,
      ignoredColumns: mapping.ignored,
      rows: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      invalidCount: 0,
      rowsSkipped: 0,
      valuesSkipped: 0,
      invalid: [],
      invalidTruncated: false,
      companiesCreated: 0,
      durationMs: 0,
    };
    const state: BatchState = {
      seen: new KeyLineSet(),
      companies: new Map(),
      fakeCompanyId: -1,
      stageEmails: false,
      lookups: true,
    };

    // Into a CRM without e-mail addresses every row is new (duplicates inside the file are caught
    // by `seen`), so the per-batch look-ups are skipped.
    state.lookups =
      (await this.db.selectFrom('person_emails').select('id').limit(1).executeTakeFirst()) !== undefined;
    // A large load appends rows and rebuilds the search indexes once at the end (one sort each)
    // instead of updating them row by row. When stored addresses can match, the e-mail index must
    // stay for the look-ups: new persons' e-mail rows are then staged and merged in key order at
    // the end (look-ups during the load see only addresses stored before it, which is right: an
    // address seen earlier in this file makes the row a duplicate before it is looked up).
    const large = !dryRun && source.totalBytes >= this.config.bulkLoadMinBytes;
    const restoreIndexes = large
      ? await this.bulk.suspendIndexes(
          this.db,
          state.lookups ? ['persons', 'companies'] : ['persons', 'person_emails', 'companies'],
          ['companies_name_key'],
        )
      : null;
    const bulkLoad = restoreIndexes !== null;
    state.stageEmails = bulkLoad && state.lookups;
    const finishBulkLoad = async () => {
      if (!bulkLoad) return;
      await mergeStagedPersonEmails(this.db);
      await restoreIndexes();
    };
    try {
      for await (const message of parseInWorker({
        file,
        read,
        mapping,
        context,
        defaultCountry: this.config.defaultCountry,
        batchSize: this.config.batchSize,
        window: 2,
      })) {
        report.rows = message.rowsRead;
        for (const bad of message.invalid) {
          report.invalidCount++;
          if (bad.action === 'rowSkipped') report.rowsSkipped++;
          else report.valuesSkipped++;
          if (report.invalid.length < MAX_REPORTED_INVALID) report.invalid.push(bad);
          else report.invalidTruncated = true;
        }
        if (message.rows.length > 0) await this.writeBatch(message.rows, dryRun, state, report);
        options.onProgress?.({
          rows: report.rows,
          totalRows: Math.max(report.rows, message.totalRows),
          bytesRead: message.bytesRead,
          totalBytes: source.totalBytes,
        });
      }
      options.onProgress?.({
        rows: report.rows,
        totalRows: report.rows,
        bytesRead: source.totalBytes,
        totalBytes: source.totalBytes,
      });
    } catch (e) {
      await finishBulkLoad();
      await this.finish(report, 'failed', started, e);
      throw e;
    }
    await finishBulkLoad();
    await this.finish(report, 'finished', started, null);
    await this.audit.record(actor, dryRun ? 'import.dryRun' : 'import.run', 'import', report.importId, {
      file: options.fileName ?? file,
      created: report.created,
      updated: report.updated,
      unchanged: report.unchanged,
      invalid: report.invalidCount,
      rowsSkipped: report.rowsSkipped,
    });
    return report;
  }

  async get(id: number): Promise<Selectable<Database['imports']> | undefined> {
    return this.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  }

  private async finish(
    report: ImportReport,
    status: 'finished' | 'failed',
    started: number,
    error: unknown,
  ): Promise<void> {
    report.durationMs = Date.now() - started;
    const stored = {
      ...report,
      error: error === null ? undefined : String((error as Error).message ?? error),
    };
    await this.db
      .updateTable('imports')
      .set({
        status,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        invalid: report.invalidCount,
        report: JSON.stringify(stored),
        finished_at: this.clock.now(),
      })
      .where('id', '=', report.importId)
      .execute();
  }

  /** Resolves custom-field keys, subscription type names and checks consent purposes once. */
  private async resolveTargets(mapping: ColumnMapping): Promise<TargetContext> {
    const ctx: TargetContext = { custom: [], subscriptions: [] };
    for (const { header, field } of mapping.columns) {
      if (field === null) continue;
      if (field.startsWith('custom.')) {
        const key = field.slice('custom.'.length);
        const def = await this.db
          .selectFrom('custom_fields')
          .select(['id', 'type'])
          .where('entity', '=', 'person')
          .where('key', '=', key)
          .executeTakeFirst();
        if (!def) {
          throw invalidMapping(
            header,
            `column "${header}" maps to custom field "${key}", which does not exist`,
          );
        }
        ctx.custom.push([field, def]);
      } else if (field.startsWith('subscription.')) {
        const name = field.slice('subscription.'.length);
        const byId = /^\d+$/.test(name) ? Number(name) : null;
        const t = await this.db
          .selectFrom('subscription_types')
          .select('id')
          .where(byId === null ? 'name' : 'id', '=', byId === null ? name : byId)
          .executeTakeFirst();
        if (!t)
          throw invalidMapping(
            header,
            `column "${header}" maps to subscription type "${name}", which does not exist`,
          );
        ctx.subscriptions.push([field, t.id]);
      }
    }
    return ctx;
  }

  private async writeBatch(
    rows: ParsedRow[],
    dryRun: boolean,
    state: BatchState,
    report: ImportReport,
  ): Promise<void> {
    const work = async (trx: Transaction<Database> | Kysely<Database>) => {
      const now = this.clock.now();
      const companyIds = await this.resolveCompanies(trx, rows, dryRun, state, report, now);
      const existing = state.lookups
        ? await lookupPersons(
            trx,
            rows.map((r) => r.emailKey),
          )
        : new Map<string, ExistingPerson>();
      const toCreate: ParsedRow[] = [];
      const toUpdate: Array<{ row: ParsedRow; current: ExistingPerson }> = [];
      for (const row of rows) {
        const current = existing.get(row.emailKey);
        if (current) toUpdate.push({ row, current });
        else toCreate.push(row);
      }
      report.created += toCreate.length;
      let followUps: Array<{ row: ParsedRow; personId: number; current: ExistingPerson | null }> = [];
      if (!dryRun && toCreate.length > 0) {
        const ids = await insertPersons(this.bulk, trx, toCreate, companyIds, now);
        followUps = toCreate.map((row) => ({ row, personId: ids.get(row.emailKey) ?? 0, current: null }));
        await this.bulk.insert(
          trx,
          state.stageEmails ? 'staged_person_emails' : 'person_emails',
          toCreate.map((row) => ({
            person_id: ids.get(row.emailKey) ?? 0,
            email: row.email,
            email_key: row.emailKey,
            is_primary: 1 as const,
          })),
        );
      }
      for (const { row, current } of toUpdate) {
        const set = personChanges(row, current, companyIds);
        const prefsChanged = await preferencesDiffer(trx, row, current.id);
        if (Object.keys(set).length === 0 && !prefsChanged) {
          report.unchanged++;
          continue;
        }
        report.updated++;
        if (dryRun) continue;
        if (Object.keys(set).length > 0) {
          if (set.first_name !== undefined || set.middle_name !== undefined || set.last_name !== undefined) {
            Object.assign(
              set,
              nameKeys(
                (set.first_name as string | undefined) ?? current.first_name,
                set.middle_name === undefined ? current.middle_name : (set.middle_name as string | null),
                (set.last_name as string | undefined) ?? current.last_name,
              ),
            );
          }
          await trx
            .updateTable('persons')
            .set({ ...set, updated_at: now })
            .where('id', '=', current.id)
            .execute();
        }
        followUps.push({ row, personId: current.id, current });
      }
      if (!dryRun) await writePreferences(this.bulk, trx, followUps, now);
    };
    if (dryRun) await work(this.db);
    else await this.db.transaction().execute(work);
  }

  private async resolveCompanies(
    db: Transaction<Database> | Kysely<Database>,
    rows: ParsedRow[],
    dryRun: boolean,
    state: BatchState,
    report: ImportReport,
    now: number,
  ): Promise<Map<string, number>> {
    const wanted = new Map<string, string>();
    for (const r of rows) {
      if (r.company !== null) {
        const key = r.companyKey ?? searchKey(r.company);
        if (!state.companies.has(key)) wanted.set(key, r.company);
      }
    }
    if (wanted.size > 0) {
      const keys = [...wanted.keys()];
      for (let i = 0; i < keys.length; i += 500) {
        const found = await db
          .selectFrom('companies')
          .select(['id', 'name_key'])
          .where('name_key', 'in', keys.slice(i, i + 500))
          .orderBy('id')
          .execute();
        for (const f of found) {
          if (!state.companies.has(f.name_key)) state.companies.set(f.name_key, f.id);
          wanted.delete(f.name_key);
        }
      }
      const missing = [...wanted.entries()];
      if (missing.length > 0) {
        report.companiesCreated += missing.length;
        if (dryRun) {
          for (const [key] of missing) state.companies.set(key, state.fakeCompanyId--);
        } else {
          {
            const inserted = await this.bulk.insert(
              db,
              'companies',
              missing.map(([key, name]) => ({ ...newCompanyRow(name, now), name_key: key })),
              ['id', 'name_key'],
            );
            for (const c of inserted) state.companies.set(String(c.name_key), Number(c.id));
          }
        }
      }
    }
    const out = new Map<string, number>();
    for (const r of rows) {
      if (r.company !== null) {
        const key = r.companyKey ?? searchKey(r.company);
        const id = state.companies.get(key);
        if (id !== undefined) out.set(key, id);
      }
    }
    return out;
  }
}

interface BatchState {
  /** e-mail key → first line it was seen on, to report duplicates inside the file. */
  seen: KeyLineSet;
  /** New persons' e-mail rows go to staged_person_emails (merged at the end). */
  stageEmails: boolean;
  /** Whether stored persons can match (false when the CRM had no e-mail address at the start). */
  lookups: boolean;
  /** company name key → id (negative ids are companies a dry run would create). */
  companies: Map<string, number>;
  fakeCompanyId: number;
}

type ExistingPerson = Pick<
  Selectable<Database['persons']>,
  'id' | 'first_name' | 'middle_name' | 'last_name' | PersonColumn | 'company_id'
>;

function invalidMapping(header: string, message: string): AppError {
  return invalid('IMPORT_MAPPING_UNKNOWN_TARGET', message, { field: `mapping.${header}` });
}

async function lookupPersons(
  db: Transaction<Database> | Kysely<Database>,
  keys: string[],
): Promise<Map<string, ExistingPerson>> {
  const out = new Map<string, ExistingPerson>();
  for (let i = 0; i < keys.length; i += 900) {
    const chunk = keys.slice(i, i + 900);
    const rows = await db
      .selectFrom('person_emails as e')
      .innerJoin('persons as p', 'p.id', 'e.person_id')
      .select([
        'e.email_key',
        'p.id',
        'p.first_name',
        'p.middle_name',
        'p.last_name',
        'p.title',
        'p.salutation',
        'p.mobile',
        'p.street',
        'p.postcode',
        'p.city',
        'p.country',
        'p.language',
        'p.no_mailings',
        'p.former_employee',
        'p.company_id',
      ])
      .where('e.email_key', 'in', chunk)
      .orderBy('p.id')
      .execute();
    for (const r of rows) {
      const { email_key, ...person } = r;
      if (!out.has(email_key)) out.set(email_key, person);
    }
  }
  return out;
}

/** Inserts new persons; returns e-mail key → new id (e-mail keys are unique within a batch). */
async function insertPersons(
  bulk: BulkWriter,
  db: Transaction<Database> | Kysely<Database>,
  rows: ParsedRow[],
  companyIds: Map<string, number>,
  now: number,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const values: Array<Insertable<Database['persons']>> = rows.map((r) => {
    const p = r.person;
    const first = (p.first_name as string | undefined) ?? '';
    const middle = (p.middle_name as string | undefined) ?? null;
    const last = (p.last_name as string | undefined) ?? '';
    return {
      company_id: r.companyKey === null ? null : (companyIds.get(r.companyKey) ?? null),
      first_name: first,
      middle_name: middle,
      last_name: last,
      ...r.keys,
      title: (p.title as string | undefined) ?? null,
      salutation: (p.salutation as string | undefined) ?? null,
      email: r.email,
      email_key: r.emailKey,
      mobile: (p.mobile as string | undefined) ?? null,
      street: (p.street as string | undefined) ?? null,
      postcode: (p.postcode as string | undefined) ?? null,
      city: (p.city as string | undefined) ?? null,
      country: (p.country as string | undefined) ?? null,
      language: (p.language as string | undefined) ?? null,
      our_contact_id: null,
      no_mailings: ((p.no_mailings as 0 | 1 | undefined) ?? 0) as 0 | 1,
      former_employee: ((p.former_employee as 0 | 1 | undefined) ?? 0) as 0 | 1,
      created_at: now,
      updated_at: now,
    };
  });
  const inserted = await bulk.insert(db, 'persons', values, ['id', 'email_key']);
  for (const r of inserted) ids.set(String(r.email_key), Number(r.id));
  return ids;
}

function personChanges(
  row: ParsedRow,
  current: ExistingPerson,
  companyIds: Map<string, number>,
): Updateable<Database['persons']> {
  const set: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row.person) as Array<[PersonColumn, string | number | null]>) {
    if (current[column] !== value) set[column] = value;
  }
  if (row.company !== null) {
    const id = companyIds.get(row.companyKey ?? searchKey(row.company)) ?? null;
    if (id !== current.company_id) set.company_id = id !== null && id < 0 ? null : id;
  }
  return set as Updateable<Database['persons']>;
}

async function currentLegalBasis(
  db: Transaction<Database> | Kysely<Database>,
  personId: number,
  purpose: string,
) {
  const cur = await db
    .selectFrom('consents_current')
    .select('legal_basis')
    .where('person_id', '=', personId)
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  return cur?.legal_basis;
}

async function currentSubscriptionStatus(
  db: Transaction<Database> | Kysely<Database>,
  personId: number,
  typeId: number,
) {
  const cur = await db
    .selectFrom('subscriptions')
    .select('status')
    .where('person_id', '=', personId)
    .where('subscription_type_id', '=', typeId)
    .executeTakeFirst();
  return cur?.status;
}

/** Whether the mapped custom fields, consent, subscriptions or interests differ from what is stored. */
async function preferencesDiffer(
  db: Transaction<Database> | Kysely<Database>,
  row: ParsedRow,
  personId: number,
): Promise<boolean> {
  for (const c of row.custom ?? []) {
    const cur = await db
      .selectFrom('custom_values')
      .select('value_text')
      .where('field_id', '=', c.fieldId)
      .where('owner_id', '=', personId)
      .executeTakeFirst();
    if (cur?.value_text !== c.value_text) return true;
  }
  for (const c of row.consents ?? []) {
    if ((await currentLegalBasis(db, personId, c.purpose)) !== c.legalBasis) return true;
  }
  for (const s of row.subscriptions ?? []) {
    if ((await currentSubscriptionStatus(db, personId, s.typeId)) !== s.status) return true;
  }
  if (row.interests !== null) {
    const cur = await db
      .selectFrom('person_interests as pi')
      .innerJoin('interests as i', 'i.id', 'pi.interest_id')
      .select('i.name')
      .where('pi.person_id', '=', personId)
      .execute();
    const have = new Set(cur.map((c) => c.name));
    if (row.interests.some((n) => !have.has(n))) return true;
  }
  return false;
}

/**
 * Writes mapped custom fields, consent, subscriptions and interests. Consent and subscriptions are
 * written only where they change, each recorded with source `import`. Interests are added, never removed.
 */
async function writePreferences(
  bulk: BulkWriter,
  db: Transaction<Database> | Kysely<Database>,
  items: Array<{ row: ParsedRow; personId: number; current: ExistingPerson | null }>,
  now: number,
): Promise<void> {
  const customRows: Array<Insertable<Database['custom_values']>> = [];
  for (const { row, personId, current } of items) {
    for (const c of row.custom ?? []) {
      if (current !== null) {
        await db
          .deleteFrom('custom_values')
          .where('field_id', '=', c.fieldId)
          .where('owner_id', '=', personId)
          .execute();
      }
      customRows.push({
        field_id: c.fieldId,
        owner_id: personId,
        value_text: c.value_text,
        value_number: c.value_number,
      });
    }
    for (const c of row.consents ?? []) {
      if (current !== null && (await currentLegalBasis(db, personId, c.purpose)) === c.legalBasis) continue;
      await writeConsent(db, personId, c.purpose, c.legalBasis, 'import', now, null, null);
    }
    for (const s of row.subscriptions ?? []) {
      if (current !== null && (await currentSubscriptionStatus(db, personId, s.typeId)) === s.status)
        continue;
      await writeSubscription(db, personId, s.typeId, s.status, 'import', now);
    }
    if (row.interests !== null) {
      for (const name of row.interests) {
        const id = await ensureInterest(db, name, now);
        await db
          .insertInto('person_interests')
          .values({ person_id: personId, interest_id: id, added_at: now })
          .onConflict((oc) => oc.columns(['person_id', 'interest_id']).doNothing())
          .execute();
      }
    }
  }
  await bulk.insert(db, 'custom_values', customRows);
}
