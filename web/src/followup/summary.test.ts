import { describe, expect, it } from 'vitest';
import { counters, detailCounters, formatRate, progressOf, rateExplanation, rates } from './summary';
import type { SendProgress, Summary } from './types';

const summary: Summary = {
  mailingId: 3,
  recipients: 14,
  sent: 12,
  delivered: 11,
  read: 4,
  clicked: 2,
  bounced: { soft: 0, hard: 1, total: 1 },
  unsubscribed: 1,
  complained: 0,
  failed: 0,
  blocked: { noConsent: 2 },
  opens: { human: 5, machine: 1 },
  clicks: { human: 3, machine: 0 },
  rates: { open: 0.3636, click: 0.1818, clickToOpen: 0.5, bounce: 0.0833 },
  byStatus: { sent: 7, read: 4, bounced: 1, blocked: 2 },
  progress: null,
};

describe('counters', () => {
  it('link every number to the recipients it counts', () => {
    const byKey = Object.fromEntries(counters(summary).map((c) => [c.key, c]));
    expect(byKey.recipients?.view).toEqual({});
    expect(byKey.sent).toMatchObject({
      value: 12,
      view: { status: 'sent,delivered,read,bounced,complained' },
    });
    expect(byKey.delivered).toMatchObject({ value: 11, view: { status: 'sent,delivered,read,complained' } });
    expect(byKey.read).toMatchObject({ value: 4, view: { read: true } });
    expect(byKey.clicked).toMatchObject({ value: 2, view: { clicked: true } });
    expect(byKey.unsubscribed).toMatchObject({ value: 1, view: { unsubscribed: true } });
    expect(byKey.bounced).toMatchObject({ value: 1, view: { status: 'bounced' } });
  });

  it('lists only the bounce kinds and block reasons that occur', () => {
    expect(detailCounters(summary).map((c) => [c.label, c.value, c.view])).toEqual([
      ['Hard bounces', 1, { status: 'bounced', reason: 'hardBounce' }],
      ['Blocked: No consent', 2, { status: 'blocked', reason: 'noConsent' }],
    ]);
  });
});

describe('rates', () => {
  const n = (v: number) => String(v);
  it('say what they divide', () => {
    const [open, click, cto, bounce] = rates(summary);
    expect(open && rateExplanation(open, n)).toBe('4 read of 11 delivered');
    expect(click && rateExplanation(click, n)).toBe('2 clicked of 11 delivered');
    expect(cto && rateExplanation(cto, n)).toBe('2 clicked of 4 read');
    expect(bounce && rateExplanation(bounce, n)).toBe('1 bounced of 12 sent');
  });

  it('say when there is nothing to divide by', () => {
    const [open] = rates({ ...summary, delivered: 0, rates: { ...summary.rates, open: null } });
    expect(open && rateExplanation(open, n)).toBe('No recipient delivered yet: nothing to divide by');
  });

  it('are percentages in the locale, or a dash', () => {
    expect(formatRate(0.3636, 'en-GB')).toBe('36.4%');
    expect(formatRate(0.5, 'de-DE')).toBe('50\u00a0%');
    expect(formatRate(null, 'en-GB')).toBe('–');
  });
});

describe('progressOf', () => {
  it('counts done rows of the round', () => {
    const p = { total: 10, byState: { sent: 3, failed: 1, ready: 6 } } as unknown as SendProgress;
    expect(progressOf(p)).toEqual({ done: 4, percent: 40 });
    expect(progressOf({ ...p, total: 0, byState: {} })).toEqual({ done: 0, percent: 0 });
  });
});
