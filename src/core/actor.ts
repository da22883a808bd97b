/**
 * Who is doing something: a logged-in user, an API key, or the system itself (CLI, demo loader,
 * migrations). Every change is recorded in the audit log under its actor.
 */
export interface Actor {
  kind: 'user' | 'apiKey' | 'system';
  /** Human-readable, for the audit log: "user:kari@example.com", "apiKey:crm-sync", "system:cli". */
  label: string;
  userId: number | null;
  apiKeyId: number | null;
  rights: ReadonlySet<string>;
}

export function systemActor(label: string, rights: Iterable<string> = []): Actor {
  return { kind: 'system', label: `system:${label}`, userId: null, apiKeyId: null, rights: new Set(rights) };
}

/** Where domain services record who changed what; the access module implements it over the audit log. */
export interface AuditSink {
  record(
    actor: Actor,
    action: string,
    entity: string,
    entityId: string | number | null,
    details?: Record<string, unknown>,
  ): Promise<void>;
}

/** A page of a list: `{ items, total }` (PRODUCT.md §16). */
export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageQuery {
  limit: number;
  offset: number;
  q?: string | undefined;
}

/** Flags are 0/1 in storage and booleans everywhere else; this is the one mapper. */
export const toFlag = (value: boolean): 0 | 1 => (value ? 1 : 0);
export const fromFlag = (value: number | boolean): boolean => value === 1 || value === true;

/** Lower-cased, whitespace-folded key for prefix search and matching. */
export function searchKey(...parts: Array<string | null | undefined>): string {
  // fast path (most names): printable ASCII with single spaces needs only lower-casing
  if (parts.length <= 3) {
    let joined = '';
    let simple = true;
    for (const p of parts) {
      if (typeof p !== 'string' || p === '') continue;
      if (!/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(p)) {
        simple = false;
        break;
      }
      joined = joined === '' ? p : `${joined} ${p}`;
    }
    if (simple) return joined.toLowerCase();
  }
  return parts
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .join(' ')
    .normalize('NFC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The exclusive upper bound of a prefix range: `key >= prefix AND key < prefixEnd(prefix)` uses an index on both engines. */
export function prefixEnd(prefix: string): string {
  return `${prefix}\uffff`;
}

/** A partial input as zod's `.partial()` produces it under exactOptionalPropertyTypes. */
export type PatchOf<T> = { [K in keyof T]?: T[K] | undefined };
