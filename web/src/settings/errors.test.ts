import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { placeError } from './errors';

describe('placeError', () => {
  it('puts a validation issue next to the field it names, without the field in front', () => {
    const e = new ApiError(400, 'VALIDATION_FAILED', 'port: Too small', {
      issues: [{ field: 'port', message: 'Too small' }],
    });
    expect(placeError(e, ['name', 'port'])).toMatchObject({
      field: 'port',
      message: 'Too small',
      code: 'VALIDATION_FAILED',
    });
  });

  it('puts RIGHT_NOT_HELD about the role next to the role control', () => {
    const e = new ApiError(403, 'RIGHT_NOT_HELD', 'you cannot grant … manageUsers', {
      field: 'role',
      missing: ['manageUsers'],
    });
    expect(placeError(e, ['email', 'role'])?.field).toBe('role');
    // the role check of a user change names the user: shown at the role too
    const other = new ApiError(403, 'RIGHT_NOT_HELD', 'you cannot …', { field: 'user' });
    expect(placeError(other, ['role'], { user: 'role' })?.field).toBe('role');
  });

  it('keeps an error about no field of the form (or no field at all) at the form, as a sentence', () => {
    const offline = new ApiError(0, 'NETWORK_ERROR', 'Posthorn cannot be reached.');
    expect(placeError(offline, ['name'])).toMatchObject({ field: null, code: 'NETWORK_ERROR' });
    const elsewhere = new ApiError(400, 'VALIDATION_FAILED', 'weight: too big', { field: 'weight' });
    expect(placeError(elsewhere, ['name'])).toMatchObject({ field: null, message: 'Weight: too big' });
    expect(placeError(null, ['name'])).toBeNull();
  });
});
