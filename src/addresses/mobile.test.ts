import { describe, expect, it } from 'vitest';
import { validateMobile } from './mobile.js';

describe('validateMobile', () => {
  it('normalises to E.164 with the default country', () => {
    expect(validateMobile('412 34 567', 'NO')).toMatchObject({ valid: true, e164: '+4741234567' });
    expect(validateMobile('070-123 45 67', 'SE')).toMatchObject({ valid: true, e164: '+46701234567' });
  });
  it('keeps an explicit country code over the default', () => {
    expect(validateMobile('+45 20 12 34 56', 'NO')).toMatchObject({ valid: true, e164: '+4520123456' });
  });
  it('refuses garbage and fixed-line numbers', () => {
    expect(validateMobile('hello', 'NO').valid).toBe(false);
    expect(validateMobile('', 'NO')).toMatchObject({ valid: false, reason: 'empty' });
    expect(validateMobile('+47 22 00 00 00', 'NO').valid).toBe(false);
  });
});
