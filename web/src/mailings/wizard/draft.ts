import type { ApiError } from '../../api/errors';

export type Patch = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7396: the patch applied to the target (objects merge member by member, the rest replaces). */
export function mergePatch<T>(target: T, patch: Patch): T {
  if (!isObject(target)) return patch as T;
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = isObject(value) && isObject(out[key]) ? mergePatch(out[key], value) : value;
  }
  return out as T;
}

/** The patch with one more change at a dotted path (`setup.from.address`). */
export function withChange(patch: Patch, path: string, value: unknown): Patch {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return patch;
  if (rest.length === 0) return { ...patch, [head]: value };
  const inner = isObject(patch[head]) ? (patch[head] as Patch) : {};
  return { ...patch, [head]: withChange(inner, rest.join('.'), value) };
}

/** The messages of a refused save by the field they concern (`details.issues`, `details.field`). */
export function fieldErrors(error: ApiError | null): Record<string, string> {
  if (!error) return {};
  const out: Record<string, string> = {};
  const issues = error.details.issues;
  if (Array.isArray(issues)) {
    for (const issue of issues) {
      if (isObject(issue) && typeof issue.field === 'string' && typeof issue.message === 'string')
        out[issue.field] = issue.message;
    }
  }
  const field = error.field;
  if (field && !out[field]) {
    // "setup.from.address: Invalid email" → the part after the field's name
    const prefix = `${field}: `;
    out[field] = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  }
  return out;
}

/** Whether the patch changes the field at a dotted path, or something inside or around it. */
export function changes(patch: Patch, path: string): boolean {
  const [head, ...rest] = path.split('.');
  if (head === undefined || !(head in patch)) return false;
  const value = patch[head];
  if (rest.length === 0 || !isObject(value)) return true;
  return changes(value, rest.join('.'));
}
