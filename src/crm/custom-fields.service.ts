import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { type Actor, type AuditSink, type Clock, conflict, invalid, notFound } from '../core/index.js';
import type { Database } from '../storage/index.js';

export const customFieldInput = z.strictObject({
  entity: z.enum(['person', 'company']),
  key: z
    .string()
    .regex(
      /^[a-z][a-zA-Z0-9_]{0,49}$/,
      'a key starts with a lower-case letter and holds letters, digits and _',
    ),
  label: z.string().trim().min(1).max(100),
  type: z.enum(['text', 'number', 'date', 'boolean']),
});

export interface CustomField {
  id: number;
  entity: 'person' | 'company';
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean';
}

export type CustomValue = string | number | boolean | null;

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Custom fields of persons and companies: a definition (key, label, type) and one value per owner.
 * Values are stored as text and, for numbers, dates (epoch ms) and booleans (0/1), also as a number,
 * so criteria compare them natively on both engines.
 */
export class CustomFieldsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
  ) {}

  async list(entity?: 'person' | 'company'): Promise<CustomField[]> {
    let q = this.db.selectFrom('custom_fields').select(['id', 'entity', 'key', 'label', 'type']);
    if (entity) q = q.where('entity', '=', entity);
    return q.orderBy('id').execute();
  }

  async create(input: z.infer<typeof customFieldInput>, actor: Actor): Promise<CustomField> {
    const exists = await this.db
      .selectFrom('custom_fields')
      .select('id')
      .where('entity', '=', input.entity)
      .where('key', '=', input.key)
      .executeTakeFirst();
    if (exists)
      throw conflict('CUSTOM_FIELD_EXISTS', `a ${input.entity} field "${input.key}" exists`, {
        field: 'key',
      });
    const row = await this.db
      .insertInto('custom_fields')
      .values({ ...input, created_at: this.clock.now() })
      .returning(['id', 'entity', 'key', 'label', 'type'])
      .executeTakeFirstOrThrow();
    await this.audit.record(actor, 'customField.create', 'customField', row.id, input);
    return row;
  }

  async delete(id: number, actor: Actor): Promise<void> {
    const r = await this.db.deleteFrom('custom_fields').where('id', '=', id).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0)
      throw notFound('CUSTOM_FIELD_NOT_FOUND', `custom field ${id} does not exist`);
    await this.audit.record(actor, 'customField.delete', 'customField', id);
  }

  /** Writes the given values of one owner (null deletes); unknown keys and wrong types are refused. */
  async setValues(
    trx: Db,
    entity: 'person' | 'company',
    ownerId: number,
    values: Record<string, CustomValue>,
  ): Promise<void> {
    const keys = Object.keys(values);
    if (keys.length === 0) return;
    const fields = await trx
      .selectFrom('custom_fields')
      .select(['id', 'key', 'type'])
      .where('entity', '=', entity)
      .where('key', 'in', keys)
      .execute();
    const byKey = new Map(fields.map((f) => [f.key, f]));
    for (const key of keys) {
      const field = byKey.get(key);
      if (!field) {
        throw invalid('CUSTOM_FIELD_UNKNOWN', `no ${entity} custom field "${key}"`, {
          field: `customFields.${key}`,
        });
      }
      const value = values[key] ?? null;
      await trx
        .deleteFrom('custom_values')
        .where('field_id', '=', field.id)
        .where('owner_id', '=', ownerId)
        .execute();
      if (value === null) continue;
      const stored = encodeCustomValue(field.type, value, `customFields.${key}`);
      await trx
        .insertInto('custom_values')
        .values({ field_id: field.id, owner_id: ownerId, ...stored })
        .execute();
    }
  }

  async getValues(entity: 'person' | 'company', ownerId: number): Promise<Record<string, CustomValue>> {
    const rows = await this.db
      .selectFrom('custom_values')
      .innerJoin('custom_fields', 'custom_fields.id', 'custom_values.field_id')
      .select([
        'custom_fields.key',
        'custom_fields.type',
        'custom_values.value_text',
        'custom_values.value_number',
      ])
      .where('custom_fields.entity', '=', entity)
      .where('custom_values.owner_id', '=', ownerId)
      .execute();
    const out: Record<string, CustomValue> = {};
    for (const r of rows) out[r.key] = decodeCustomValue(r.type, r.value_text, r.value_number);
    return out;
  }
}

/** Text and number forms of a custom value; the number form is what criteria compare. */
export function encodeCustomValue(
  type: CustomField['type'],
  value: string | number | boolean,
  field: string,
): { value_text: string; value_number: number | null } {
  switch (type) {
    case 'text':
      return { value_text: String(value), value_number: null };
    case 'number': {
      const n = typeof value === 'number' ? value : Number(String(value).replace(',', '.'));
      if (!Number.isFinite(n))
        throw invalid('CUSTOM_VALUE_INVALID', `${field}: "${value}" is not a number`, { field, value });
      return { value_text: String(n), value_number: n };
    }
    case 'date': {
      const ms = typeof value === 'number' ? value : Date.parse(String(value));
      if (!Number.isFinite(ms))
        throw invalid('CUSTOM_VALUE_INVALID', `${field}: "${value}" is not a date`, { field, value });
      return { value_text: new Date(ms).toISOString(), value_number: ms };
    }
    case 'boolean': {
      const b = parseBoolean(value);
      if (b === null)
        throw invalid('CUSTOM_VALUE_INVALID', `${field}: "${value}" is not yes/no`, { field, value });
      return { value_text: b ? 'true' : 'false', value_number: b ? 1 : 0 };
    }
  }
}

export function decodeCustomValue(type: string, text: string | null, num: number | null): CustomValue {
  if (text === null) return null;
  if (type === 'number') return num;
  if (type === 'boolean') return num === 1;
  return text;
}

/** yes/no in the ways spreadsheets write it; null when it is neither. */
export function parseBoolean(value: string | number | boolean): boolean | null {
  if (typeof value === 'boolean') return value;
  const v = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'y', 'ja', 'j', 'x', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'n', 'nei', 'nej', '', 'off'].includes(v)) return false;
  return null;
}
