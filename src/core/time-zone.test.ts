import { describe, expect, it } from 'vitest';
import { formatInZone, isTimeZone, zonedToUtc } from './time-zone.js';

describe('schedules are entered and shown in the user time zone, stored in UTC', () => {
  it('reads a wall-clock time in the zone, in winter and in summer', () => {
    expect(new Date(zonedToUtc('2030-01-15T09:00', 'Europe/Oslo')).toISOString()).toBe(
      '2030-01-15T08:00:00.000Z',
    );
    expect(new Date(zonedToUtc('2030-06-15T09:00', 'Europe/Oslo')).toISOString()).toBe(
      '2030-06-15T07:00:00.000Z',
    );
    expect(new Date(zonedToUtc('2030-06-15 09:00:30', 'America/New_York')).toISOString()).toBe(
      '2030-06-15T13:00:30.000Z',
    );
    expect(new Date(zonedToUtc('2030-06-15T09:00:00.000', 'UTC')).toISOString()).toBe(
      '2030-06-15T09:00:00.000Z',
    );
  });

  it('shows a UTC instant as the wall-clock time of the zone, across the DST change', () => {
    expect(formatInZone(Date.parse('2030-03-31T00:30:00Z'), 'Europe/Oslo')).toBe('2030-03-31 01:30');
    expect(formatInZone(Date.parse('2030-03-31T01:30:00Z'), 'Europe/Oslo')).toBe('2030-03-31 03:30');
    const at = zonedToUtc('2030-10-27T12:00', 'Europe/Oslo');
    expect(formatInZone(at, 'Europe/Oslo')).toBe('2030-10-27 12:00');
  });

  it('refuses what is not a time or a zone', () => {
    expect(Number.isNaN(zonedToUtc('tomorrow at nine', 'Europe/Oslo'))).toBe(true);
    expect(isTimeZone('Europe/Oslo')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
