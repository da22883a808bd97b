import { type ApiError, asSentence } from '../api/errors';

/**
 * The API's message for one form field, or undefined: shown next to that field. The field is the
 * API's name for it (`url`, `name`, `content.source` …); a prefix names the field and what is in it.
 */
export function fieldMessage(error: ApiError | null, ...fields: string[]): string | undefined {
  const field = error?.field;
  if (!error || !field) return undefined;
  if (!fields.some((f) => field === f || field.startsWith(`${f}.`))) return undefined;
  // shown at the field, the API's "url: …" need not name it again
  const message = error.message.startsWith(`${field}: `)
    ? error.message.slice(field.length + 2)
    : error.message;
  return `${asSentence(message)} (${error.code})`;
}

/** True when the error belongs to none of the fields the form shows (then it is shown as an alert). */
export function isFormError(error: ApiError | null, fields: readonly string[]): boolean {
  if (!error) return false;
  return fieldMessage(error, ...fields) === undefined;
}
