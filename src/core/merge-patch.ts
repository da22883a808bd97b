import { z } from 'zod';
import { invalid } from './errors.js';

/**
 * PATCH is a JSON merge patch (RFC 7396) everywhere: an omitted member is unchanged, a present
 * member replaces, nested objects merge recursively, arrays replace whole, and `null` removes a
 * member (what removal means per field is the service's: back to its default, or null where the
 * field is nullable). Two pieces make that hold by construction instead of by care in every
 * service: {@link patchSchemaOf} derives the body schema of a PATCH from the full schema without
 * any default (zod v4 keeps `.default()` inside `.partial()`, so a partial create schema fills in
 * every omitted field and the update resets it), and {@link mergePatch} applies the patch to what
 * is stored, after which the service validates the merged whole with the full schema.
 */

/** A JSON object: not null, not an array (class instances do not come out of JSON). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RFC 7396 §2 MergePatch(target, patch). Pure: neither argument is changed. A member whose value
 * is `undefined` counts as omitted (JSON has no undefined; a TypeScript caller's `{ x: undefined }`
 * means "not given"). The result is `unknown` on purpose: removing members can make a valid
 * document invalid, so callers validate it with the full schema before storing it.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = {};
  if (isPlainObject(target)) for (const [k, v] of Object.entries(target)) setMember(result, k, v);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete result[k];
    else setMember(result, k, mergePatch(Object.hasOwn(result, k) ? result[k] : undefined, v));
  }
  return result;
}

/**
 * Sets an own data property even for the key `__proto__` (JSON.parse makes it an ordinary key;
 * an assignment would instead replace the prototype of the result).
 */
function setMember(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---- patch schemas -------------------------------------------------------------------------

type AnyDefault = z.ZodDefault<z.core.SomeType>;
type AnyOptional = z.ZodOptional<z.core.SomeType>;
type AnyNullable = z.ZodNullable<z.core.SomeType>;

/** The schema under its default, optional and nullable wrappers. */
type Bare<S> =
  S extends z.ZodDefault<infer I>
    ? Bare<I>
    : S extends z.ZodOptional<infer I>
      ? Bare<I>
      : S extends z.ZodNullable<infer I>
        ? Bare<I>
        : S;
type Has<S, W> = S extends W
  ? true
  : S extends AnyDefault | AnyOptional | AnyNullable
    ? Has<ReturnType<S['unwrap']>, W>
    : false;

/** Whether `null` is accepted for a member: it was nullable, or it had a default and null means "back to it". */
type TakesNull<S, NullResets extends boolean> =
  Has<S, AnyNullable> extends true ? true : NullResets extends true ? Has<S, AnyDefault> : false;

/** Conditional types lose the constraint zod's wrappers need; this restores it. */
type AsSchema<T> = T extends z.core.SomeType ? T : never;

type PatchMember<S, NullResets extends boolean> = z.ZodOptional<
  TakesNull<S, NullResets> extends true
    ? z.ZodNullable<AsSchema<PatchSchemaOf<Bare<S>, NullResets>>>
    : AsSchema<PatchSchemaOf<Bare<S>, NullResets>>
>;

/** The patch schema {@link patchSchemaOf} makes of `S` (objects recursively; anything else as it is). */
export type PatchSchemaOf<S, NullResets extends boolean = false> =
  S extends z.ZodObject<infer Shape, infer Config>
    ? z.ZodObject<{ -readonly [K in keyof Shape]: PatchMember<Shape[K], NullResets> }, Config>
    : S;

export interface PatchSchemaOptions<NullResets extends boolean> {
  /**
   * Members with a default also take `null`, meaning "back to the default" (settings, recipient
   * options: documents where every member has one). Otherwise `null` is refused for a member that
   * is not nullable, and the 400 names it.
   */
  nullResets?: NullResets;
}

/**
 * The schema of a merge patch for `schema`: every member optional, every default removed (so an
 * omitted member stays omitted), nested objects the same recursively; nullable members stay
 * nullable; strict objects stay strict. Arrays, records and scalars are kept as they are: they
 * replace whole. Object-level refinements of the full schema are not carried over: they describe
 * the whole resource, which the service checks after merging.
 */
export function patchSchemaOf<S extends z.ZodObject, NullResets extends boolean = false>(
  schema: S,
  options: PatchSchemaOptions<NullResets> = {},
): PatchSchemaOf<S, NullResets> {
  // the mapped type above says the same as this walk; TypeScript cannot follow a walk over a
  // shape, so the result is asserted once here
  return patchObject(schema, options.nullResets === true) as unknown as PatchSchemaOf<S, NullResets>;
}

function patchObject(schema: z.ZodObject, nullResets: boolean): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, member] of Object.entries(schema.shape)) shape[key] = patchMember(member, nullResets);
  const out = z.object(shape);
  return schema.def.catchall instanceof z.ZodNever ? out.strict() : out;
}

function patchMember(member: z.core.SomeType, nullResets: boolean): z.ZodType {
  let inner: z.core.SomeType = member;
  let nullable = false;
  let defaulted = false;
  for (;;) {
    if (inner instanceof z.ZodDefault) defaulted = true;
    else if (inner instanceof z.ZodNullable) nullable = true;
    else if (!(inner instanceof z.ZodOptional)) break;
    inner = inner.unwrap();
  }
  const bare: z.ZodType =
    inner instanceof z.ZodObject ? patchObject(inner, nullResets) : (inner as z.ZodType);
  return (nullable || (nullResets && defaulted) ? bare.nullable() : bare).optional();
}

/**
 * Validates a merged document with its full schema; a failure is a 400 with `code` naming the
 * field under `where` (`setup.from.address`; `where` is '' when the document is the whole body),
 * as the client wrote it.
 */
export function parseMerged<S extends z.ZodType>(
  schema: S,
  merged: unknown,
  where: string,
  code: string,
): z.output<S> {
  const r = schema.safeParse(merged);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const keys = issue && 'keys' in issue && issue.keys.length === 1 ? issue.keys : [];
  const field = [where, ...(issue?.path ?? []).map(String), ...keys].filter((p) => p !== '').join('.');
  throw invalid(code, `${field}: ${issue?.message ?? 'invalid'}`, { field });
}
