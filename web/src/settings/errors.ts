import { type ApiError, asSentence, toApiError } from '../api/errors';

/** An API error as one form shows it: next to the control it names, or above the buttons. */
export interface PlacedError {
  /** The form field the error is about, or null: shown above the form's buttons. */
  field: string | null;
  /** The message as a sentence, without the field name the API puts in front of it. */
  message: string;
  code: string;
  error: ApiError;
}

/**
 * Where a form shows an API error: at the field the API names (`details.field`, or the first
 * validation issue's) when the form has that field, else at the form. `aliases` maps API field
 * names to the form's (e.g. the role check names `rights` or `user`).
 */
export function placeError(
  error: unknown,
  fields: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): PlacedError | null {
  if (error === null || error === undefined) return null;
  const e = toApiError(error);
  const named = e.field;
  const field = named === null ? null : (aliases[named] ?? named);
  const known = field !== null && fields.includes(field);
  // "port: Too small: expected number to be >=1" → "Too small: expected number to be >=1"
  const prefix = named === null ? '' : `${named}: `;
  const bare = prefix && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
  return {
    field: known ? field : null,
    message: asSentence(known ? bare : e.message),
    code: e.code,
    error: e,
  };
}
