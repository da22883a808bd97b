/**
 * Wall-clock times in a user's time zone (PRODUCT.md §9: schedules are entered and shown in the
 * user's time zone, stored in UTC), with the platform's IANA data (Intl); no library needed.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function wallParts(epochMs: number, timeZone: string): number[] {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(epochMs)
      .map((p) => [p.type, p.value]),
  );
  return ['year', 'month', 'day', 'hour', 'minute', 'second'].map((k) => Number(parts[k]));
}

/** `2026-11-27 09:00` as shown to a user in `timeZone`. */
export function formatInZone(epochMs: number, timeZone: string): string {
  const [y, mo, d, h, mi] = wallParts(epochMs, timeZone).map((n) => String(n).padStart(2, '0'));
  return `${y}-${mo}-${d} ${h}:${mi}`;
}

/** The UTC instant of a wall-clock time (`2026-11-27T09:00`) in `timeZone`. */
export function zonedToUtc(wall: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(wall);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const asUtc = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, Number.isNaN(s) ? 0 : (s ?? 0));
  // the zone's offset at that moment, corrected once for a DST change in between
  const offset = (at: number) => {
    const [py, pmo, pd, ph, pmi, ps] = wallParts(at, timeZone) as number[];
    return Date.UTC(py ?? 0, (pmo ?? 1) - 1, pd ?? 1, ph ?? 0, pmi ?? 0, ps ?? 0) - at;
  };
  const first = asUtc - offset(asUtc);
  return asUtc - offset(first);
}
