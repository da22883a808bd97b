import type { Insertable, Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { validateEmail } from '../addresses/index.js';
import {
  type Actor,
  type AuditSink,
  type Clock,
  invalid,
  notFound,
  type Page,
  type PageQuery,
  type PatchOf,
  patchSchemaOf,
  prefixEnd,
  searchKey,
} from '../core/index.js';
import type { Database } from '../storage/index.js';
import type { CustomFieldsService, CustomValue } from './custom-fields.service.js';
import { optionalText } from './fields.js';

export const companyInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  street: optionalText(200),
  postcode: optionalText(20),
  city: optionalText(100),
  country: optionalText(100),
  phone: optionalText(50),
  email: optionalText(254),
  domain: optionalText(253),
  ourContactId: z.number().int().positive().nullish(),
  customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type CompanyInput = z.infer<typeof companyInput>;
/**
 * A merge patch of a company: only the fields named change; the text fields, ourContactId and a
 * custom field take `null` (cleared); name and customFields themselves do not (customFields
 * merges: each key given is set, or cleared with `null`).
 */
export const companyPatch = patchSchemaOf(companyInput);

export interface Company {
  id: number;
  name: string;
  street: string | null;
  postcode: string | null;
  city: string | null;
  country: string | null;
  phone: string | null;
  email: string | null;
  domain: string | null;
  ourContactId: number | null;
  personCount: number;
  customFields: Record<string, CustomValue>;
  createdAt: number;
  updatedAt: number;
}

export class CompaniesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly customFields: CustomFieldsService,
  ) {}

  async create(input: CompanyInput, actor: Actor): Promise<Company> {
    const values = this.columns(input);
    const now = this.clock.now();
    const id = await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('companies')
        .values({ ...newCompanyRow(input.name, now), ...values })
        .returning('id')
        .executeTakeFirstOrThrow();
      await this.customFields.setValues(trx, 'company', row.id, input.customFields ?? {});
      return row.id;
    });
    await this.audit.record(actor, 'company.create', 'company', id, { name: input.name });
    return this.get(id);
  }

  async update(id: number, patch: z.infer<typeof companyPatch>, actor: Actor): Promise<Company> {
    await this.get(id);
    const values = this.columns(patch);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('companies')
        .set({ ...values, updated_at: this.clock.now() })
        .where('id', '=', id)
        .execute();
      await this.customFields.setValues(trx, 'company', id, patch.customFields ?? {});
    });
    await this.audit.record(actor, 'company.update', 'company', id, patch);
    return this.get(id);
  }

  /** Deleting a company keeps its persons (their company becomes empty). */
  async delete(id: number, actor: Actor): Promise<void> {
    await this.get(id);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('persons').set({ company_id: null }).where('company_id', '=', id).execute();
      await trx
        .deleteFrom('custom_values')
        .where('owner_id', '=', id)
        .where('field_id', 'in', trx.selectFrom('custom_fields').select('id').where('entity', '=', 'company'))
        .execute();
      await trx.deleteFrom('companies').where('id', '=', id).execute();
    });
    await this.audit.record(actor, 'company.delete', 'company', id);
  }

  async get(id: number): Promise<Company> {
    const row = await this.db.selectFrom('companies').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('COMPANY_NOT_FOUND', `company ${id} does not exist`);
    const count = await this.db
      .selectFrom('persons')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('company_id', '=', id)
      .executeTakeFirst();
    return toCompany(row, Number(count?.n ?? 0), await this.customFields.getValues('company', id));
  }

  /** Type-ahead: `q` matches the start of the company name (case-insensitive). */
  async list(query: PageQuery): Promise<Page<Omit<Company, 'customFields' | 'personCount'>>> {
    let q = this.db.selectFrom('companies');
    const key = searchKey(query.q);
    if (key !== '') q = q.where('name_key', '>=', key).where('name_key', '<', prefixEnd(key));
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('name_key').orderBy('id').limit(query.limit).offset(query.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return {
      items: rows.map((r) => {
        const { customFields: _c, personCount: _p, ...rest } = toCompany(r, 0, {});
        return rest;
      }),
      total: Number(total?.n ?? 0),
    };
  }

  private columns(input: PatchOf<CompanyInput>) {
    const out: Partial<Omit<Selectable<Database['companies']>, 'id'>> = {};
    if (input.name !== undefined) {
      out.name = input.name;
      out.name_key = searchKey(input.name);
    }
    if (input.email !== undefined && input.email !== null && input.email !== '') {
      const r = validateEmail(input.email);
      if (!r.valid)
        throw invalid('INVALID_EMAIL', `email: ${r.message}`, { field: 'email', value: input.email });
      out.email = r.address;
    } else if (input.email !== undefined) out.email = null;
    for (const [k, col] of [
      ['street', 'street'],
      ['postcode', 'postcode'],
      ['city', 'city'],
      ['country', 'country'],
      ['phone', 'phone'],
      ['domain', 'domain'],
    ] as const) {
      const v = input[k];
      if (v !== undefined) out[col] = v === '' ? null : v;
    }
    if (input.ourContactId !== undefined) out.our_contact_id = input.ourContactId;
    return out;
  }
}

/** The row of a company that has only a name (the import creates companies like this). */
export function newCompanyRow(name: string, now: number): Insertable<Database['companies']> {
  return {
    name,
    name_key: searchKey(name),
    street: null,
    postcode: null,
    city: null,
    country: null,
    phone: null,
    email: null,
    domain: null,
    our_contact_id: null,
    created_at: now,
    updated_at: now,
  };
}

function toCompany(
  r: Selectable<Database['companies']>,
  personCount: number,
  customFields: Record<string, CustomValue>,
): Company {
  return {
    id: r.id,
    name: r.name,
    street: r.street,
    postcode: r.postcode,
    city: r.city,
    country: r.country,
    phone: r.phone,
    email: r.email,
    domain: r.domain,
    ourContactId: r.our_contact_id,
    personCount,
    customFields,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
