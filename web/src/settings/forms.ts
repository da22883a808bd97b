/**
 * The settings forms' values, checks and request bodies: what the user typed becomes exactly the
 * body the API accepts (empty optional fields left out, so the API's defaults apply).
 */
import type { EmailAccount, GeneralSettings, SmsGatewayKind } from './types';

/** A number field as Mantine's NumberInput gives it: a number, or '' when empty. */
export type NumberValue = number | string;

function numberOrUndefined(v: NumberValue): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const t = v.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function textOrUndefined(v: string): string | undefined {
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** A whole number in [min, max], or null when it is fine (empty is fine when not `required`). */
export function checkWhole(v: NumberValue, min: number, max: number, required = false): string | null {
  const n = numberOrUndefined(v);
  if (n === undefined)
    return required || (typeof v === 'string' && v.trim() !== '') ? 'Enter a number' : null;
  if (!Number.isInteger(n)) return 'Enter a whole number';
  if (n < min || n > max) return `Between ${min} and ${max}`;
  return null;
}

const hostPattern = /^[A-Za-z0-9.:[\]-]+$/;

// ---------- e-mail accounts ----------

export interface EmailAccountValues {
  name: string;
  host: string;
  port: NumberValue;
  tls: EmailAccount['tls'];
  username: string;
  password: string;
  poolSize: NumberValue;
  weight: NumberValue;
  perSecond: NumberValue;
  perMinute: NumberValue;
  perHour: NumberValue;
}

export const emptyEmailAccount: EmailAccountValues = {
  name: '',
  host: '',
  port: 587,
  tls: 'starttls',
  username: '',
  password: '',
  poolSize: 5,
  weight: 1,
  perSecond: '',
  perMinute: '',
  perHour: '',
};

export const emailAccountChecks = {
  name: (v: string) => (v.trim() === '' ? 'Give the account a name' : null),
  host: (v: string) =>
    v.trim() === ''
      ? 'Enter the relay’s host name'
      : hostPattern.test(v.trim())
        ? null
        : 'A host name or address',
  port: (v: NumberValue) => checkWhole(v, 1, 65535, true),
  poolSize: (v: NumberValue) => checkWhole(v, 1, 100, true),
  weight: (v: NumberValue) => checkWhole(v, 1, 1000, true),
  perSecond: (v: NumberValue) => checkWhole(v, 1, 100_000),
  perMinute: (v: NumberValue) => checkWhole(v, 1, 6_000_000),
  perHour: (v: NumberValue) => checkWhole(v, 1, 360_000_000),
};

export interface EmailAccountBody {
  name: string;
  host: string;
  port?: number;
  tls?: EmailAccount['tls'];
  username?: string;
  password?: string;
  poolSize?: number;
  weight?: number;
  perSecond?: number;
  perMinute?: number;
  perHour?: number;
}

/** The body of POST /email-accounts: empty optional fields are left out. */
export function emailAccountBody(v: EmailAccountValues): EmailAccountBody {
  const body: EmailAccountBody = { name: v.name.trim(), host: v.host.trim(), tls: v.tls };
  const port = numberOrUndefined(v.port);
  if (port !== undefined) body.port = port;
  const username = textOrUndefined(v.username);
  if (username !== undefined) body.username = username;
  // a password is taken as typed (spaces may belong to it)
  if (v.password !== '') body.password = v.password;
  for (const key of ['poolSize', 'weight', 'perSecond', 'perMinute', 'perHour'] as const) {
    const n = numberOrUndefined(v[key]);
    if (n !== undefined) body[key] = n;
  }
  return body;
}

/** The usual port of a TLS mode: picking "TLS from the start" moves 587 to 465 and back. */
export function portForTls(tls: EmailAccount['tls'], port: NumberValue): NumberValue {
  if (tls === 'implicit' && (port === 587 || port === 25)) return 465;
  if (tls !== 'implicit' && port === 465) return 587;
  return port;
}

// ---------- SMS gateways ----------

export interface SmsGatewayValues {
  kind: SmsGatewayKind;
  name: string;
  sender: string;
  defaultCountry: string;
  perSecond: NumberValue;
  weight: NumberValue;
  // smpp
  host: string;
  port: NumberValue;
  tls: boolean;
  systemId: string;
  password: string;
  systemType: string;
  // http
  url: string;
  method: 'POST' | 'GET';
  format: 'json' | 'form';
  /** One `name=value` a line: the request's fields, with {{to}}, {{from}} and {{text}} placeholders. */
  fields: string;
  /** One `Name: value` a line. */
  headers: string;
  idPath: string;
}

export const emptySmsGateway: SmsGatewayValues = {
  kind: 'smpp',
  name: '',
  sender: '',
  defaultCountry: '',
  perSecond: '',
  weight: 1,
  host: '',
  port: 2775,
  tls: false,
  systemId: '',
  password: '',
  systemType: '',
  url: '',
  method: 'POST',
  format: 'json',
  fields: 'to={{to}}\nfrom={{from}}\ntext={{text}}',
  headers: '',
  idPath: '',
};

/** `name=value` (or `Name: value`) lines as a record; blank lines are skipped; null when one has no separator. */
export function parsePairs(text: string, separator: '=' | ':'): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf(separator);
    if (at <= 0) return null;
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** As the server checks a sender: a phone number, or a name of at most 11 characters with a letter. */
function isSmsSender(s: string): boolean {
  return /^\+?[0-9]{3,15}$/.test(s) || (/[A-Za-z]/.test(s) && [...s].length <= 11);
}

export const smsGatewayChecks = {
  name: (v: string) => (v.trim() === '' ? 'Give the gateway a name' : null),
  sender: (v: string) =>
    v.trim() === '' || isSmsSender(v.trim()) ? null : 'Up to 11 letters and digits, or a phone number',
  defaultCountry: (v: string) =>
    v.trim() === '' || /^[A-Za-z]{2}$/.test(v.trim()) ? null : 'Two letters, e.g. NO or SE',
  perSecond: (v: NumberValue) => checkWhole(v, 1, 100_000),
  weight: (v: NumberValue) => checkWhole(v, 1, 1000, true),
  host: (v: string, all: SmsGatewayValues) =>
    all.kind === 'smpp' && v.trim() === '' ? 'Enter the SMPP server’s host name' : null,
  port: (v: NumberValue, all: SmsGatewayValues) =>
    all.kind === 'smpp' ? checkWhole(v, 1, 65535, true) : null,
  systemId: (v: string, all: SmsGatewayValues) =>
    all.kind !== 'smpp'
      ? null
      : v === ''
        ? 'Enter the system ID'
        : v.length > 16
          ? 'At most 16 characters'
          : null,
  password: (v: string, all: SmsGatewayValues) =>
    all.kind === 'smpp' && v.length > 9 ? 'SMPP passwords have at most 9 characters' : null,
  systemType: (v: string, all: SmsGatewayValues) =>
    all.kind === 'smpp' && v.length > 13 ? 'At most 13 characters' : null,
  url: (v: string, all: SmsGatewayValues) => {
    if (all.kind !== 'http') return null;
    try {
      const u = new URL(v.trim());
      return u.protocol === 'https:' || u.protocol === 'http:' ? null : 'An http:// or https:// address';
    } catch {
      return 'An address such as https://sms.example.com/send';
    }
  },
  fields: (v: string, all: SmsGatewayValues) =>
    all.kind === 'http' && parsePairs(v, '=') === null ? 'One name=value a line' : null,
  headers: (v: string, all: SmsGatewayValues) =>
    all.kind === 'http' && parsePairs(v, ':') === null ? 'One Name: value a line' : null,
};

type Common = { name: string; sender?: string; defaultCountry?: string; perSecond?: number; weight?: number };
export type SmsGatewayBody =
  | ({ kind: 'outbox' } & Common)
  | ({
      kind: 'smpp';
      host: string;
      port?: number;
      tls?: boolean;
      systemId: string;
      password: string;
      systemType?: string;
    } & Common)
  | ({
      kind: 'http';
      url: string;
      method?: 'POST' | 'GET';
      format?: 'json' | 'form';
      fields: Record<string, string>;
      headers?: Record<string, string>;
      idPath?: string;
    } & Common);

/** The body of POST /sms-gateways for the chosen kind (only that kind's fields). */
export function smsGatewayBody(v: SmsGatewayValues): SmsGatewayBody {
  const common: Common = { name: v.name.trim() };
  const sender = textOrUndefined(v.sender);
  if (sender !== undefined) common.sender = sender;
  const country = textOrUndefined(v.defaultCountry);
  if (country !== undefined) common.defaultCountry = country.toUpperCase();
  const perSecond = numberOrUndefined(v.perSecond);
  if (perSecond !== undefined) common.perSecond = perSecond;
  const weight = numberOrUndefined(v.weight);
  if (weight !== undefined) common.weight = weight;
  if (v.kind === 'outbox') return { kind: 'outbox', ...common };
  if (v.kind === 'smpp') {
    const body: SmsGatewayBody = {
      kind: 'smpp',
      ...common,
      host: v.host.trim(),
      tls: v.tls,
      systemId: v.systemId,
      password: v.password,
    };
    const port = numberOrUndefined(v.port);
    if (port !== undefined) body.port = port;
    const systemType = textOrUndefined(v.systemType);
    if (systemType !== undefined) body.systemType = systemType;
    return body;
  }
  const body: SmsGatewayBody = {
    kind: 'http',
    ...common,
    url: v.url.trim(),
    method: v.method,
    format: v.format,
    fields: parsePairs(v.fields, '=') ?? {},
    headers: parsePairs(v.headers, ':') ?? {},
  };
  const idPath = textOrUndefined(v.idPath);
  if (idPath !== undefined) body.idPath = idPath;
  return body;
}

// ---------- general settings ----------

export type SettingsPatch = Partial<GeneralSettings>;

/** Only the settings that differ from the stored ones: the API's PATCH changes what it names. */
export function settingsPatch(stored: GeneralSettings, edited: GeneralSettings): SettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(stored) as (keyof GeneralSettings)[]) {
    if (edited[key] !== stored[key]) patch[key] = edited[key];
  }
  return patch as SettingsPatch;
}

/** Whether the browser knows a time zone by this IANA name (the server checks the same way). */
export function isTimeZone(name: string): boolean {
  if (name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The IANA time zones the browser knows (for the picker), with the current one kept in. */
export function timeZones(current: string): string[] {
  const known: string[] =
    typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return known.includes(current) || current === '' ? known : [current, ...known];
}

// ---------- users ----------

export interface UserValues {
  name: string;
  email: string;
  role: string;
  password: string;
  timeZone: string;
  isActive: boolean;
}

export const userChecks = {
  name: (v: string) => (v.trim() === '' ? 'Enter the user’s name' : null),
  email: (v: string) =>
    /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? null : 'An e-mail address such as anna@example.com',
  role: (v: string) => (v === '' ? 'Choose a role' : null),
  password: (v: string) => (v === '' || v.length >= 10 ? null : 'At least 10 characters'),
  timeZone: (v: string) => (isTimeZone(v) ? null : 'Choose a time zone'),
};

export interface UserBody {
  name?: string;
  email?: string;
  role?: string;
  password?: string;
  timeZone?: string;
  isActive?: boolean;
}

/** POST /users: a user without a password cannot log in until one is set. */
export function newUserBody(v: UserValues): UserBody {
  const body: UserBody = { name: v.name.trim(), email: v.email.trim(), role: v.role, timeZone: v.timeZone };
  if (v.password !== '') body.password = v.password;
  return body;
}

/** PATCH /users/{id}: only what changed; an empty password keeps the current one. */
export function userPatch(stored: UserValues, edited: UserValues): UserBody {
  const patch: UserBody = {};
  if (edited.name.trim() !== stored.name) patch.name = edited.name.trim();
  if (edited.email.trim().toLowerCase() !== stored.email) patch.email = edited.email.trim();
  if (edited.role !== stored.role) patch.role = edited.role;
  if (edited.timeZone !== stored.timeZone) patch.timeZone = edited.timeZone;
  if (edited.isActive !== stored.isActive) patch.isActive = edited.isActive;
  if (edited.password !== '') patch.password = edited.password;
  return patch;
}
