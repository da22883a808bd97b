/**
 * Numbers and dates in the user's locale (the browser's language) and time zone (the user's
 * `timeZone` from /auth/me, so a date means the same to everyone in the team's office).
 */
export interface Formatter {
  number(value: number): string;
  /** A date and time, e.g. "12 Mar 2026, 14:05". */
  dateTime(epochMs: number): string;
  /** A date, e.g. "12 Mar 2026". */
  date(epochMs: number): string;
  locale: string;
  timeZone: string;
}

/** A time zone the browser knows, else the browser's own. */
export function usableTimeZone(timeZone: string | null | undefined): string {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!timeZone) return own;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return own;
  }
}

export function createFormatter(locale: string | undefined, timeZone: string | null | undefined): Formatter {
  const zone = usableTimeZone(timeZone);
  const numbers = new Intl.NumberFormat(locale);
  const dateTimes = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: zone,
  });
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: zone });
  return {
    number: (value) => numbers.format(value),
    dateTime: (epochMs) => dateTimes.format(new Date(epochMs)),
    date: (epochMs) => dates.format(new Date(epochMs)),
    locale: numbers.resolvedOptions().locale,
    timeZone: zone,
  };
}
