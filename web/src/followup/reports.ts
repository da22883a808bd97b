import type { LinkStat, Reports } from './types';

/** A bar's length in percent of the largest value (0 when there is nothing). */
export function barPercent(value: number, max: number): number {
  if (max <= 0 || value <= 0) return 0;
  return Math.round((Math.min(value, max) / max) * 1000) / 10;
}

/** Clicks per link; with `machine`, the machine clicks of the link counters added. */
export function clicksPerLinkRows(
  perLink: Reports['clicksPerLink'],
  stats: readonly LinkStat[],
  machine: boolean,
): Reports['clicksPerLink'] {
  if (!machine) return [...perLink];
  const byNo = new Map(stats.map((s) => [s.n, s.machineClicks]));
  return perLink.map((l) => ({ ...l, clicks: l.clicks + (byNo.get(l.n) ?? 0) }));
}

/** The hours with any event (48 mostly empty rows would hide the few that matter). */
export function nonEmptyHours(perHour: Reports['perHour']): Reports['perHour'] {
  return perHour.filter((h) => h.opens > 0 || h.clicks > 0);
}

/** "Hour 3 (from 12 Mar 2026, 14:05)": which hour after the first send, and when it began. */
export function hourLabel(
  hour: number,
  firstSentAt: number | null,
  dateTime: (ms: number) => string,
): string {
  const from = firstSentAt === null ? '' : ` (from ${dateTime(firstSentAt + hour * 3_600_000)})`;
  return `Hour ${hour + 1}${from}`;
}
