/**
 * The one error type domain code throws. `kind` decides the HTTP status and the CLI exit code;
 * `code` is stable (tests and integrations assert on it); `details` names the field, line or value.
 */
export type ErrorKind =
  | 'notFound'
  | 'invalid'
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated'
  | 'tooLarge'
  | 'unsupportedMediaType'
  | 'tooManyRequests'
  | 'unavailable'
  | 'internal';

export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown>;

  constructor(kind: ErrorKind, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

export const notFound = (code: string, message: string, details?: Record<string, unknown>): AppError =>
  new AppError('notFound', code, message, details);
export const invalid = (code: string, message: string, details?: Record<string, unknown>): AppError =>
  new AppError('invalid', code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>): AppError =>
  new AppError('conflict', code, message, details);
export const forbidden = (code: string, message: string, details?: Record<string, unknown>): AppError =>
  new AppError('forbidden', code, message, details);

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** HTTP status for each kind; the HTTP layer and the CLI both read this table. */
export const httpStatusByKind: Record<ErrorKind, number> = {
  notFound: 404,
  invalid: 400,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  tooLarge: 413,
  unsupportedMediaType: 415,
  tooManyRequests: 429,
  unavailable: 503,
  internal: 500,
};

/** Process exit code for each kind (0 is success, 1 an unexpected crash). */
export const exitCodeByKind: Record<ErrorKind, number> = {
  invalid: 2,
  notFound: 3,
  conflict: 4,
  forbidden: 5,
  unauthenticated: 5,
  tooLarge: 2,
  unsupportedMediaType: 2,
  tooManyRequests: 6,
  unavailable: 6,
  internal: 1,
};
