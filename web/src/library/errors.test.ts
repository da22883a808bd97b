import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { fieldMessage, isFormError } from './errors';

const urlError = new ApiError(400, 'VALIDATION_FAILED', 'url: an absolute http(s) URL', {
  in: 'body',
  issues: [{ field: 'url', message: 'an absolute http(s) URL' }],
});

describe('fieldMessage', () => {
  it('gives the API’s message and code to the field it concerns', () => {
    expect(fieldMessage(urlError, 'url')).toBe('An absolute http(s) URL (VALIDATION_FAILED)');
    expect(fieldMessage(urlError, 'name')).toBeUndefined();
    expect(fieldMessage(null, 'url')).toBeUndefined();
  });

  it('matches a nested field by its prefix', () => {
    const e = new ApiError(400, 'TEMPLATE_CONTENT_INVALID', 'content.source: too large', {
      field: 'content.source',
    });
    expect(fieldMessage(e, 'content')).toBe('Too large (TEMPLATE_CONTENT_INVALID)');
  });
});

describe('isFormError', () => {
  it('is an error of the whole form when no field shows it', () => {
    expect(isFormError(urlError, ['url', 'name'])).toBe(false);
    expect(isFormError(urlError, ['name'])).toBe(true);
    expect(isFormError(new ApiError(0, 'NETWORK_ERROR', 'x'), ['name'])).toBe(true);
    expect(isFormError(null, ['name'])).toBe(false);
  });
});
