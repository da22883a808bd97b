import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { loginErrorPlacement } from './loginErrors';

describe('loginErrorPlacement', () => {
  it('puts a wrong e-mail or password next to the password', () => {
    expect(loginErrorPlacement(new ApiError(401, 'LOGIN_FAILED', 'wrong e-mail or password'))).toBe(
      'password',
    );
  });

  it('puts a validation error next to the field it names', () => {
    const e = new ApiError(400, 'VALIDATION_FAILED', 'email: Too big', {
      in: 'body',
      issues: [{ field: 'email', message: 'Too big' }],
    });
    expect(loginErrorPlacement(e)).toBe('email');
  });

  it('shows errors about no field above the button', () => {
    expect(loginErrorPlacement(new ApiError(429, 'RATE_LIMITED', 'too many requests'))).toBe('alert');
    expect(loginErrorPlacement(new ApiError(0, 'NETWORK_ERROR', 'no connection'))).toBe('alert');
  });
});
