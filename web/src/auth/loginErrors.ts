import type { ApiError } from '../api/errors';

/**
 * Where the login form shows an API error: next to the field it names (a wrong e-mail or password
 * next to the password), or above the button when it is about no field (no connection, too many
 * attempts, a server error).
 */
export function loginErrorPlacement(error: ApiError): 'email' | 'password' | 'alert' {
  if (error.code === 'LOGIN_FAILED') return 'password';
  const field = error.field;
  if (field === 'email' || field === 'password') return field;
  return 'alert';
}
