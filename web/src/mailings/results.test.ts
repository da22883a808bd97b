import { describe, expect, it } from 'vitest';
import { hasResults, percent } from './results';

describe('percent', () => {
  it('formats a rate in the locale, or a dash when there is none', () => {
    expect(percent(0.4534, 'en-GB')).toBe('45.3%');
    expect(percent(0.5, 'de-DE')).toBe('50\u00a0%');
    expect(percent(null, 'en-GB')).toBe('–');
  });
});

describe('hasResults', () => {
  it('is true once a mailing has sent', () => {
    expect(hasResults('draft')).toBe(false);
    expect(hasResults('scheduled')).toBe(false);
    expect(hasResults('finished')).toBe(true);
    expect(hasResults('sending')).toBe(true);
  });
});
