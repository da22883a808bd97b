/**
 * An API error as the UI shows it: the API's `{ error: { code, message, details } }`, or what went
 * wrong on the way (no connection, an answer that is not ours). `status` 0 means the server was
 * not reached.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** No answer, or the server failed: worth trying again. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }

  /** The field the error concerns (`details.field`, or the first validation issue's). */
  get field(): string | null {
    const field = this.details.field;
    if (typeof field === 'string') return field;
    const issues = this.details.issues;
    if (Array.isArray(issues)) {
      const first: unknown = issues[0];
      if (typeof first === 'object' && first !== null && 'field' in first && typeof first.field === 'string')
        return first.field;
    }
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The ApiError for an answer that is not 2xx, whatever its body (ours, a proxy's page, nothing). */
export function errorFromResponse(status: number, body: unknown): ApiError {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(status, error.code, error.message, isRecord(error.details) ? error.details : {});
  }
  if (status >= 500)
    return new ApiError(status, 'SERVER_ERROR', `Posthorn could not answer (HTTP ${status}). Try again.`);
  return new ApiError(status, `HTTP_${status}`, `the request was refused (HTTP ${status})`);
}

/** The ApiError for a request that got no answer at all. */
export function networkError(cause: unknown): ApiError {
  const error = new ApiError(
    0,
    'NETWORK_ERROR',
    'Posthorn cannot be reached. Check your connection and try again.',
  );
  error.cause = cause;
  return error;
}

/** Any thrown value as an ApiError (so every error can show a message and a code). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof Error) return new ApiError(-1, 'UNEXPECTED', error.message);
  return new ApiError(-1, 'UNEXPECTED', String(error));
}

/** The API's messages start in lower case (they are also read in logs); shown, they are sentences. */
export function asSentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}
