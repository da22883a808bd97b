import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { z } from 'zod';
import { validateEmail, validateMobile } from '../addresses/index.js';
import {
  type Actor,
  type AuditSink,
  type Clock,
  fromFlag,
  invalid,
  notFound,
  type Page,
  type PageQuery,
  type PatchOf,
  patchSchemaOf,
  prefixEnd,
  searchKey,
  toFlag,
} from '../core/index.js';
import type { Database } from '../storage/index.js';
import type { CustomFieldsService, CustomValue } from './custom-fields.service.js';
import { optionalText } from './fields.js';

const personFieldsSchema = z.strictObject({
  firstName: z.string().trim().max(100),
  middleName: optionalText(100),
  lastName: z.string().trim().max(100),
  title: optionalText(100),
  salutation: optionalText(20),
  companyId: z.number().int().positive().nullish(),
  /** All e-mail addresses; the first is the primary one. */
  emails: z.array(z.string().max(320)).max(10).optional(),
  mobile: optionalText(50),
  street: optionalText(200),
  postcode: optionalText(20),
  city: optionalText(100),
  country: optionalText(100),
  language: optionalText(20),
  ourContactId: z.number().int().positive().nullish(),
  noMailings: z.boolean().optional(),
  formerEmployee: z.boolean().optional(),
  customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  interests: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
});
export const personInput = personFieldsSchema.extend({
  firstName: z.string().trim().max(100).default(''),
  lastName: z.string().trim().max(100).default(''),
});
export type PersonInput = z.input<typeof personInput>;
/**
 * A merge patch of a person: only the fields given change (no defaults are applied). The
 * optional text fields, companyId, ourContactId and a custom field take `null` (cleared);
 * firstName, lastName, emails, interests, noMailings, formerEmployee and customFields do not
 * (`emails` and `interests` replace the whole list: `[]` empties it; customFields merges).
 */
export const personPatch = patchSchemaOf(personFieldsSchema);

export interface PersonSummary {
  id: number;
  firstName: string;
  middleName: string | null;
  lastName: string;
  name: string;
  email: string | null;
  mobile: string | null;
  companyId: number | null;
  companyName: string | null;
  city: string | null;
}

export interface Person extends PersonSummary {
  title: string | null;
  salutation: string | null;
  emails: Array<{ email: string; primary: boolean }>;
  street: string | null;
  postcode: string | null;
  country: string | null;
  /** The postal address to write to: the person's own, or else the company's (PRODUCT.md §2). */
  postalAddress: {
    street: string | null;
    postcode: string | null;
    city: string | null;
    country: string | null;
  };
  language: string | null;
  ourContactId: number | null;
  noMailings: boolean;
  formerEmployee: boolean;
  customFields: Record<string, CustomValue>;
  interests: string[];
  createdAt: number;
  updatedAt: number;
}

type Db = Kysely<Database> | Transaction<Database>;

/** Validated e-mail addresses: the first is primary. Invalid ones are refused with the field named. */
export function normaliseEmails(emails: readonly string[]): Array<{ email: string; key: string }> {
  const out: Array<{ email: string; key: string }> = [];
  const seen = new Set<string>();
  emails.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const r = validateEmail(raw);
    if (!r.valid) {
      throw invalid('INVALID_EMAIL', `emails[${i}]: ${r.message}`, {
        field: `emails[${i}]`,
        value: raw,
        reason: r.reason,
      });
    }
    if (!seen.has(r.key)) {
      seen.add(r.key);
      out.push({ email: r.address, key: r.key });
    }
  });
  return out;
}

export class PersonsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly customFields: CustomFieldsService,
    private readonly defaultCountry: string,
  ) {}

  async create(raw: PersonInput, actor: Actor): Promise<Person> {
    const input = personInput.parse(raw);
    const emails = normaliseEmails(input.emails ?? []);
    if (input.firstName === '' && input.lastName === '' && emails.length === 0) {
      throw invalid('PERSON_EMPTY', 'a person needs a name or an e-mail address', { field: 'lastName' });
    }
    const columns = this.columns(input);
    const now = this.clock.now();
    const values: Insertable<Database['persons']> = {
      company_id: null,
      first_name: input.firstName,
      middle_name: null,
      last_name: input.lastName,
      title: null,
      salutation: null,
      email: null,
      email_key: null,
      mobile: null,
      street: null,
      postcode: null,
      city: null,
      country: null,
      language: null,
      our_contact_id: null,
      no_mailings: 0,
      former_employee: 0,
      ...nameKeys(input.firstName, input.middleName ?? null, input.lastName),
      created_at: now,
      updated_at: now,
    };
    Object.assign(values, columns);
    const id = await this.db.transaction().execute(async (trx) => {
      const row = await trx.insertInto('persons').values(values).returning('id').executeTakeFirstOrThrow();
      await this.writeEmails(trx, row.id, emails);
      await this.customFields.setValues(trx, 'person', row.id, input.customFields ?? {});
      if (input.interests) await this.writeInterests(trx, row.id, input.interests);
      return row.id;
    });
    await this.audit.record(actor, 'person.create', 'person', id, { emails: emails.map((e) => e.email) });
    return this.get(id);
  }

  async update(id: number, raw: PatchOf<PersonInput>, actor: Actor): Promise<Person> {
    const patch = personPatch.parse(raw);
    const current = await this.get(id);
    const columns: Updateable<Database['persons']> = { ...this.columns(patch), updated_at: this.clock.now() };
    if (patch.firstName !== undefined || patch.middleName !== undefined || patch.lastName !== undefined) {
      Object.assign(
        columns,
        nameKeys(
          patch.firstName ?? current.firstName,
          patch.middleName === undefined ? current.middleName : patch.middleName,
          patch.lastName ?? current.lastName,
        ),
      );
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('persons').set(columns).where('id', '=', id).execute();
      if (patch.emails !== undefined) await this.writeEmails(trx, id, normaliseEmails(patch.emails));
      await this.customFields.setValues(trx, 'person', id, patch.customFields ?? {});
      if (patch.interests !== undefined) await this.writeInterests(trx, id, patch.interests);
    });
    await this.audit.record(actor, 'person.update', 'person', id, patch);
    return this.get(id);
  }

  async delete(id: number, actor: Actor): Promise<void> {
    await this.get(id);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('custom_values')
        .where('owner_id', '=', id)
        .where('field_id', 'in', trx.selectFrom('custom_fields').select('id').where('entity', '=', 'person'))
        .execute();
      await trx
        .deleteFrom('selection_members')
        .where('member_id', '=', id)
        .where(
          'selection_id',
          'in',
          trx.selectFrom('selections').select('id').where('member_type', '=', 'persons'),
        )
        .execute();
      await trx.deleteFrom('persons').where('id', '=', id).execute();
    });
    await this.audit.record(actor, 'person.delete', 'person', id);
  }

  async get(id: number): Promise<Person> {
    const row = await this.db
      .selectFrom('persons')
      .leftJoin('companies', 'companies.id', 'persons.company_id')
      .selectAll('persons')
      .select([
        'companies.name as company_name',
        'companies.street as company_street',
        'companies.postcode as company_postcode',
        'companies.city as company_city',
        'companies.country as company_country',
      ])
      .where('persons.id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('PERSON_NOT_FOUND', `person ${id} does not exist`);
    const [emails, interests, customFields] = await Promise.all([
      this.db
        .selectFrom('person_emails')
        .select(['email', 'is_primary'])
        .where('person_id', '=', id)
        .orderBy('is_primary', 'desc')
        .orderBy('id')
        .execute(),
      this.db
        .selectFrom('person_interests')
        .innerJoin('interests', 'interests.id', 'person_interests.interest_id')
        .select('interests.name')
        .where('person_interests.person_id', '=', id)
        .orderBy('interests.name')
        .execute(),
      this.customFields.getValues('person', id),
    ]);
    const own = row.street !== null || row.postcode !== null || row.city !== null;
    return {
      ...toSummary(row),
      title: row.title,
      salutation: row.salutation,
      emails: emails.map((e) => ({ email: e.email, primary: fromFlag(e.is_primary) })),
      street: row.street,
      postcode: row.postcode,
      country: row.country,
      postalAddress: own
        ? { street: row.street, postcode: row.postcode, city: row.city, country: row.country }
        : {
            street: row.company_street,
            postcode: row.company_postcode,
            city: row.company_city,
            country: row.company_country,
          },
      language: row.language,
      ourContactId: row.our_contact_id,
      noMailings: fromFlag(row.no_mailings),
      formerEmployee: fromFlag(row.former_employee),
      customFields,
      interests: interests.map((i) => i.name),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /**
   * Type-ahead search and paging. `q` matches the start of the full name, of the last name, of any
   * e-mail address, or of the company name — the way a user types (PRODUCT.md §8: typing a company
   * name lists its persons). Every branch is an index range scan.
   */
  async list(query: PageQuery & { companyId?: number | undefined }): Promise<Page<PersonSummary>> {
    const key = searchKey(query.q);
    let base = this.db.selectFrom('persons').leftJoin('companies', 'companies.id', 'persons.company_id');
    if (query.companyId !== undefined) base = base.where('persons.company_id', '=', query.companyId);
    if (key !== '') {
      const end = prefixEnd(key);
      base = base.where((eb) =>
        eb.or([
          eb.and([eb('persons.name_key', '>=', key), eb('persons.name_key', '<', end)]),
          eb.and([eb('persons.last_name_key', '>=', key), eb('persons.last_name_key', '<', end)]),
          eb(
            'persons.id',
            'in',
            eb
              .selectFrom('person_emails')
              .select('person_id')
              .where('email_key', '>=', key)
              .where('email_key', '<', end),
          ),
          eb(
            'persons.company_id',
            'in',
            eb.selectFrom('companies').select('id').where('name_key', '>=', key).where('name_key', '<', end),
          ),
        ]),
      );
    }
    const [rows, total] = await Promise.all([
      base
        .selectAll('persons')
        .select('companies.name as company_name')
        .orderBy('persons.last_name_key')
        .orderBy('persons.id')
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return { items: rows.map(toSummary), total: Number(total?.n ?? 0) };
  }

  /** The person ids whose e-mail (any of theirs) matches, lowest id first. */
  async findByEmail(email: string): Promise<number[]> {
    const r = validateEmail(email);
    if (!r.valid) return [];
    const rows = await this.db
      .selectFrom('person_emails')
      .select('person_id')
      .where('email_key', '=', r.key)
      .orderBy('person_id')
      .execute();
    return [...new Set(rows.map((x) => x.person_id))];
  }

  private columns(input: PatchOf<z.output<typeof personPatch>>): Updateable<Database['persons']> {
    const out: Updateable<Database['persons']> = {};
    if (input.firstName !== undefined) out.first_name = input.firstName;
    if (input.lastName !== undefined) out.last_name = input.lastName;
    const nullable = [
      ['middleName', 'middle_name'],
      ['title', 'title'],
      ['salutation', 'salutation'],
      ['street', 'street'],
      ['postcode', 'postcode'],
      ['city', 'city'],
      ['country', 'country'],
      ['language', 'language'],
    ] as const;
    for (const [k, col] of nullable) {
      const v = input[k];
      if (v !== undefined) out[col] = v === '' ? null : v;
    }
    if (input.companyId !== undefined) out.company_id = input.companyId;
    if (input.ourContactId !== undefined) out.our_contact_id = input.ourContactId;
    if (input.noMailings !== undefined) out.no_mailings = toFlag(input.noMailings);
    if (input.formerEmployee !== undefined) out.former_employee = toFlag(input.formerEmployee);
    if (input.mobile !== undefined) {
      if (input.mobile === null || input.mobile.trim() === '') out.mobile = null;
      else {
        const m = validateMobile(input.mobile, this.defaultCountry);
        if (!m.valid) {
          throw invalid('INVALID_MOBILE', `mobile: ${m.message}`, {
            field: 'mobile',
            value: input.mobile,
            reason: m.reason,
          });
        }
        out.mobile = m.e164;
      }
    }
    return out;
  }

  /** Replaces all addresses; the first is primary and is mirrored on the persons row. */
  private async writeEmails(
    trx: Db,
    personId: number,
    emails: Array<{ email: string; key: string }>,
  ): Promise<void> {
    await trx.deleteFrom('person_emails').where('person_id', '=', personId).execute();
    if (emails.length > 0) {
      await trx
        .insertInto('person_emails')
        .values(
          emails.map((e, i) => ({
            person_id: personId,
            email: e.email,
            email_key: e.key,
            is_primary: toFlag(i === 0),
          })),
        )
        .execute();
    }
    const primary = emails[0];
    await trx
      .updateTable('persons')
      .set({ email: primary?.email ?? null, email_key: primary?.key ?? null })
      .where('id', '=', personId)
      .execute();
  }

  private async writeInterests(trx: Db, personId: number, names: string[]): Promise<void> {
    await trx.deleteFrom('person_interests').where('person_id', '=', personId).execute();
    const now = this.clock.now();
    for (const name of new Set(names)) {
      const id = await ensureInterest(trx, name, now);
      await trx
        .insertInto('person_interests')
        .values({ person_id: personId, interest_id: id, added_at: now })
        .execute();
    }
  }
}

/** The id of the interest with this name, created when missing. */
export async function ensureInterest(trx: Db, name: string, now: number): Promise<number> {
  const existing = await trx.selectFrom('interests').select('id').where('name', '=', name).executeTakeFirst();
  if (existing) return existing.id;
  await trx
    .insertInto('interests')
    .values({ name, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await trx
    .selectFrom('interests')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}

export function nameKeys(
  first: string,
  middle: string | null,
  last: string,
): { name_key: string; last_name_key: string } {
  return { name_key: searchKey(first, middle, last), last_name_key: searchKey(last, first) };
}

export function fullName(first: string, middle: string | null, last: string): string {
  return [first, middle, last].filter((p) => p !== null && p !== '').join(' ');
}

function toSummary(r: Selectable<Database['persons']> & { company_name: string | null }): PersonSummary {
  return {
    id: r.id,
    firstName: r.first_name,
    middleName: r.middle_name,
    lastName: r.last_name,
    name: fullName(r.first_name, r.middle_name, r.last_name),
    email: r.email,
    mobile: r.mobile,
    companyId: r.company_id,
    companyName: r.company_name,
    city: r.city,
  };
}
