import { describe, expect, it } from 'vitest';
import { barPercent, clicksPerLinkRows, hourLabel, nonEmptyHours } from './reports';
import type { LinkStat } from './types';

describe('reports', () => {
  it('draws bars relative to the largest value', () => {
    expect(barPercent(5, 10)).toBe(50);
    expect(barPercent(1, 3)).toBe(33.3);
    expect(barPercent(0, 10)).toBe(0);
    expect(barPercent(4, 0)).toBe(0);
  });

  it('adds machine clicks only when asked', () => {
    const perLink = [{ n: 1, name: null, url: 'https://a.example', clicks: 2, uniqueClicks: 2 }];
    const stats = [{ n: 1, machineClicks: 3 } as LinkStat];
    expect(clicksPerLinkRows(perLink, stats, false)[0]?.clicks).toBe(2);
    expect(clicksPerLinkRows(perLink, stats, true)[0]?.clicks).toBe(5);
  });

  it('keeps the hours with events and names them from the first send', () => {
    expect(
      nonEmptyHours([
        { hour: 0, opens: 0, clicks: 0 },
        { hour: 1, opens: 2, clicks: 0 },
      ]),
    ).toEqual([{ hour: 1, opens: 2, clicks: 0 }]);
    expect(hourLabel(1, 0, (ms) => String(ms))).toBe('Hour 2 (from 3600000)');
    expect(hourLabel(0, null, String)).toBe('Hour 1');
  });
});
