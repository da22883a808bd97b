import { validateEmail, validateMobile } from '../../addresses/index.js';
import { KeyLineSet, searchKey, toFlag } from '../../core/index.js';
import { encodeCustomValue, parseBoolean } from '../custom-fields.service.js';
import { nameKeys } from '../persons.service.js';
import { legalBases } from '../preferences.service.js';
import type { ColumnMapping, ImportField } from './columns.js';

/**
 * Turning one file row into a validated import row: pure, so it runs in the parse worker (see
 * parse-worker.ts) while the main thread writes the previous batch.
 */
export interface InvalidRow {
  line: number;
  field: string;
  value: string;
  reason: string;
  /**
   * What the import did about it: `valueSkipped` — the person was imported without this value
   * (a stored value stays, as for an empty cell); `rowSkipped` — no person could be made from
   * the row (its e-mail address is missing, invalid or repeated, or its columns do not line up).
   */
  action: InvalidAction;
}

export type InvalidAction = 'valueSkipped' | 'rowSkipped';

/** Custom-field definitions and subscription types the mapped columns name (serialisable). */
export interface TargetContext {
  custom: Array<[field: string, def: { id: number; type: 'text' | 'number' | 'date' | 'boolean' }]>;
  subscriptions: Array<[field: string, typeId: number]>;
}

/** A row after validation: the values of the mapped fields only. */
export interface ParsedRow {
  line: number;
  emailKey: string;
  email: string;
  person: Partial<Record<PersonColumn, string | number | null>>;
  company: string | null;
  /** searchKey(company), computed here to spare the writer. */
  companyKey: string | null;
  /** name_key and last_name_key for a new person (from the row's names). */
  keys: { name_key: string; last_name_key: string };
  // absent when the row has none: fewer objects to allocate, send to the writer and collect
  custom?: Array<{ fieldId: number; value_text: string; value_number: number | null }>;
  consents?: Array<{ purpose: string; legalBasis: string }>;
  subscriptions?: Array<{ typeId: number; status: 'active' | 'cancelled' }>;
  interests: string[] | null;
}

export type PersonColumn =
  | 'first_name'
  | 'middle_name'
  | 'last_name'
  | 'title'
  | 'salutation'
  | 'mobile'
  | 'street'
  | 'postcode'
  | 'city'
  | 'country'
  | 'language'
  | 'no_mailings'
  | 'former_employee';

export const personColumnOf: Partial<Record<ImportField, PersonColumn>> = {
  firstName: 'first_name',
  middleName: 'middle_name',
  lastName: 'last_name',
  title: 'title',
  salutation: 'salutation',
  mobile: 'mobile',
  street: 'street',
  postcode: 'postcode',
  city: 'city',
  country: 'country',
  language: 'language',
  noMailings: 'no_mailings',
  formerEmployee: 'former_employee',
};

export class RowParser {
  private readonly seen = new KeyLineSet();
  private readonly custom: Map<string, { id: number; type: 'text' | 'number' | 'date' | 'boolean' }>;
  private readonly subscriptions: Map<string, number>;

  constructor(
    private readonly mapping: ColumnMapping,
    ctx: TargetContext,
    private readonly defaultCountry: string,
  ) {
    this.custom = new Map(ctx.custom);
    this.subscriptions = new Map(ctx.subscriptions);
  }

  /**
   * The validated row, or null when no person can be made from it. Every problem goes to
   * `issues` in column order: a bad optional value is left out of the row (`valueSkipped`) and the
   * rest imports; a row is skipped (`rowSkipped`, and only that one entry) when its e-mail
   * address — the import's identity of a person, how rows are matched — is missing, invalid or
   * already on an earlier line, or when its fields do not line up with the header.
   */
  parse(line: number, values: string[], issues: InvalidRow[]): ParsedRow | null {
    const start = issues.length;
    const skipValue = (field: string, value: string, reason: string): void => {
      issues.push({ line, field, value, reason, action: 'valueSkipped' });
    };
    const skipRow = (field: string, value: string, reason: string): null => {
      // the row's skipped values mean nothing once the row itself is skipped
      issues.length = start;
      issues.push({ line, field, value, reason, action: 'rowSkipped' });
      return null;
    };
    const { mapping } = this;
    const expected = mapping.columns.length;
    if (values.length !== expected) {
      // a missing or extra delimiter shifts every later value into the wrong column, so none
      // of them can be trusted
      return skipRow(
        '*',
        values.join(' ').slice(0, 200),
        `the row has ${values.length} fields where the header has ${expected}`,
      );
    }
    const row: ParsedRow = {
      line,
      emailKey: '',
      email: '',
      person: {},
      company: null,
      companyKey: null,
      keys: { name_key: '', last_name_key: '' },
      interests: null,
    };
    for (let i = 0; i < expected; i++) {
      const field = mapping.columns[i]?.field;
      if (field === null || field === undefined) continue;
      const value = (values[i] ?? '').trim();
      if (field === 'email') {
        const r = validateEmail(value);
        if (!r.valid) return skipRow('email', value, r.message);
        row.email = r.address;
        row.emailKey = r.key;
        continue;
      }
      if (value === '') continue;
      const column = personColumnOf[field];
      if (column === 'mobile') {
        const m = validateMobile(value, this.defaultCountry);
        if (m.valid) row.person.mobile = m.e164;
        else skipValue('mobile', value, m.message);
      } else if (column === 'no_mailings' || column === 'former_employee') {
        const b = parseBoolean(value);
        if (b === null) skipValue(field, value, 'not yes/no');
        else row.person[column] = toFlag(b);
      } else if (column !== undefined) {
        if (value.length > 200) skipValue(field, value.slice(0, 50), 'longer than 200 characters');
        else row.person[column] = value;
      } else if (field === 'company') {
        if (value.length > 200) {
          skipValue(field, value.slice(0, 50), 'longer than 200 characters');
        } else {
          row.company = value;
          row.companyKey = searchKey(value);
        }
      } else if (field === 'interests') {
        row.interests = value
          .split(/[,|]/)
          .map((s) => s.trim())
          .filter((s) => s !== '');
      } else if (field.startsWith('custom.')) {
        const def = this.custom.get(field);
        if (!def) continue;
        try {
          const encoded = { fieldId: def.id, ...encodeCustomValue(def.type, value, field) };
          if (row.custom) row.custom.push(encoded);
          else row.custom = [encoded];
        } catch (e) {
          skipValue(field, value, (e as Error).message.replace(`${field}: `, ''));
        }
      } else if (field.startsWith('consent.')) {
        // left out, the person's consent stays as it is: an import never guesses one
        const basis = parseLegalBasis(value);
        if (basis === null) {
          skipValue(field, value, `not a legal basis (${legalBases.join(', ')}, yes or no)`);
          continue;
        }
        const consent = { purpose: field.slice('consent.'.length), legalBasis: basis };
        if (row.consents) row.consents.push(consent);
        else row.consents = [consent];
      } else if (field.startsWith('subscription.')) {
        const typeId = this.subscriptions.get(field);
        const b = /^(active|cancelled)$/i.test(value)
          ? value.toLowerCase() === 'active'
          : parseBoolean(value);
        if (b === null || typeId === undefined) {
          skipValue(field, value, 'not yes/no (or active/cancelled)');
          continue;
        }
        const subscription = { typeId, status: b ? ('active' as const) : ('cancelled' as const) };
        if (row.subscriptions) row.subscriptions.push(subscription);
        else row.subscriptions = [subscription];
      }
    }
    const p = row.person;
    row.keys = nameKeys(
      (p.first_name as string | undefined) ?? '',
      (p.middle_name as string | undefined) ?? null,
      (p.last_name as string | undefined) ?? '',
    );
    const firstLine = this.seen.add(row.emailKey, line);
    if (firstLine !== undefined)
      return skipRow('email', row.email, `the same e-mail address is on line ${firstLine}`);
    return row;
  }
}

export function parseLegalBasis(value: string): string | null {
  const v = value.trim();
  const exact = legalBases.find((b) => b.toLowerCase() === v.toLowerCase());
  if (exact) return exact;
  const b = parseBoolean(v);
  if (b === null) return null;
  return b ? 'consent' : 'withdrawn';
}
