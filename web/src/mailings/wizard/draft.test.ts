import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { changes, fieldErrors, mergePatch, withChange } from './draft';

describe('the wizard draft', () => {
  it('collects changes as a merge patch and applies it', () => {
    let patch = withChange({}, 'setup.from.address', 'news@example.com');
    patch = withChange(patch, 'setup.subject', 'Hello');
    patch = withChange(patch, 'selectionId', null);
    expect(patch).toEqual({
      setup: { from: { address: 'news@example.com' }, subject: 'Hello' },
      selectionId: null,
    });
    const mailing = { selectionId: 4, setup: { subject: '', from: { rule: 'always', address: '' } } };
    expect(mergePatch(mailing, patch)).toEqual({
      selectionId: null,
      setup: { subject: 'Hello', from: { rule: 'always', address: 'news@example.com' } },
    });
  });

  it('knows which fields have unsaved changes', () => {
    const patch = withChange({}, 'setup.from.address', 'x');
    expect(changes(patch, 'setup.from.address')).toBe(true);
    expect(changes(patch, 'setup.from')).toBe(true);
    expect(changes(patch, 'setup.subject')).toBe(false);
    expect(changes({ content: { text: 'hi' } }, 'content')).toBe(true);
  });

  it('names the fields of a refused save', () => {
    const error = new ApiError(400, 'SETUP_INVALID', 'setup.from.address: Invalid email address', {
      field: 'setup.from.address',
    });
    expect(fieldErrors(error)).toEqual({ 'setup.from.address': 'Invalid email address' });
    const validation = new ApiError(400, 'VALIDATION_FAILED', 'name: Too small', {
      issues: [{ field: 'name', message: 'Too small' }],
    });
    expect(fieldErrors(validation)).toEqual({ name: 'Too small' });
    expect(fieldErrors(null)).toEqual({});
  });
});
