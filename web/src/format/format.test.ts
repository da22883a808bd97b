import { describe, expect, it } from 'vitest';
import { createFormatter, usableTimeZone } from './format';

describe('createFormatter', () => {
  const at = Date.UTC(2026, 2, 12, 23, 30); // 12 March 2026 23:30 UTC

  it("writes dates in the user's time zone, not the browser's", () => {
    expect(createFormatter('en-GB', 'Europe/Oslo').date(at)).toBe('13 Mar 2026');
    expect(createFormatter('en-GB', 'America/New_York').date(at)).toBe('12 Mar 2026');
    expect(createFormatter('en-GB', 'Europe/Oslo').dateTime(at)).toBe('13 Mar 2026, 00:30');
  });

  it("writes numbers in the user's locale", () => {
    expect(createFormatter('en-US', 'UTC').number(1234567)).toBe('1,234,567');
    expect(createFormatter('de-DE', 'UTC').number(1234567)).toBe('1.234.567');
  });

  it('falls back to the browser time zone when the stored one is unknown', () => {
    const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(usableTimeZone('Mars/Olympus_Mons')).toBe(own);
    expect(usableTimeZone(null)).toBe(own);
    expect(usableTimeZone('Europe/Oslo')).toBe('Europe/Oslo');
  });
});
