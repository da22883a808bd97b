import type { ViewMailingSearch } from './search';
import type { SendProgress, Summary } from './types';

/** The statuses the API counts as "sent" and as "delivered" (src/followup/followup.service.ts). */
export const sentStatuses = 'sent,delivered,read,bounced,complained';
export const deliveredStatuses = 'sent,delivered,read,complained';

/** The Recipients view behind a number: the tab with the matching filter. */
export type RecipientsView = Pick<
  ViewMailingSearch,
  'status' | 'reason' | 'read' | 'clicked' | 'unsubscribed'
>;

export interface Counter {
  key: string;
  label: string;
  value: number;
  /** What the number counts, in a sentence (shown on hover and read by screen readers). */
  hint: string;
  view: RecipientsView;
}

/** Words for the reasons the API gives blocked and bounced recipients. */
export const reasonWords: Record<string, string> = {
  invalidAddress: 'Invalid address',
  blockedAddress: 'Blocked address',
  complained: 'Complained earlier',
  noConsent: 'No consent',
  noSubscription: 'Not subscribed',
  duplicate: 'Duplicate address',
  hardBounce: 'Hard bounce',
  softBounce: 'Soft bounce',
  unknown: 'Other reason',
};

export const reasonLabel = (reason: string): string => reasonWords[reason] ?? reason;

/** The Summary's counters, each with the recipients it counts. */
export function counters(s: Summary): Counter[] {
  return [
    {
      key: 'recipients',
      label: 'Recipients',
      value: s.recipients,
      hint: 'Everyone on the list, blocked ones included',
      view: {},
    },
    {
      key: 'sent',
      label: 'Sent',
      value: s.sent,
      hint: 'Handed to the mail server (delivered, read, bounced and complained included)',
      view: { status: sentStatuses },
    },
    {
      key: 'delivered',
      label: 'Delivered',
      value: s.delivered,
      hint: 'Sent and not bounced',
      view: { status: deliveredStatuses },
    },
    {
      key: 'read',
      label: 'Read',
      value: s.read,
      hint: 'Opened by a person at least once (privacy proxies and scanners not counted)',
      view: { read: true },
    },
    {
      key: 'clicked',
      label: 'Clicked',
      value: s.clicked,
      hint: 'Clicked a link at least once (each person counted once)',
      view: { clicked: true },
    },
    {
      key: 'bounced',
      label: 'Bounced',
      value: s.bounced.total,
      hint: 'Returned by the receiving server',
      view: { status: 'bounced' },
    },
    {
      key: 'unsubscribed',
      label: 'Unsubscribed',
      value: s.unsubscribed,
      hint: 'Unsubscribed through this mailing',
      view: { unsubscribed: true },
    },
    {
      key: 'complained',
      label: 'Complained',
      value: s.complained,
      hint: 'Reported it as spam',
      view: { status: 'complained' },
    },
    {
      key: 'failed',
      label: 'Failed',
      value: s.failed,
      hint: 'Could not be sent (the mail server refused it)',
      view: { status: 'failed' },
    },
  ];
}

/** The smaller counts: bounces by kind and blocked recipients by reason (only those that occur). */
export function detailCounters(s: Summary): Counter[] {
  const out: Counter[] = [];
  if (s.bounced.hard > 0)
    out.push({
      key: 'hardBounce',
      label: 'Hard bounces',
      value: s.bounced.hard,
      hint: 'The address does not exist: it is now blocked',
      view: { status: 'bounced', reason: 'hardBounce' },
    });
  if (s.bounced.soft > 0)
    out.push({
      key: 'softBounce',
      label: 'Soft bounces',
      value: s.bounced.soft,
      hint: 'A passing problem (a full mailbox, a server away)',
      view: { status: 'bounced', reason: 'softBounce' },
    });
  for (const [reason, n] of Object.entries(s.blocked).sort((a, b) => b[1] - a[1]))
    out.push({
      key: `blocked-${reason}`,
      label: `Blocked: ${reasonLabel(reason)}`,
      value: n,
      hint: 'Not sent: filtered out when the list was built',
      view: reason === 'unknown' ? { status: 'blocked' } : { status: 'blocked', reason },
    });
  return out;
}

export interface Rate {
  key: string;
  label: string;
  /** A fraction, null when nothing to divide by. */
  value: number | null;
  numerator: { label: string; value: number };
  denominator: { label: string; value: number };
  /** The recipients the numerator counts. */
  view: RecipientsView;
}

/** The rates and what each divides (PRODUCT.md §12). */
export function rates(s: Summary): Rate[] {
  return [
    {
      key: 'open',
      label: 'Open rate',
      value: s.rates.open,
      numerator: { label: 'read', value: s.read },
      denominator: { label: 'delivered', value: s.delivered },
      view: { read: true },
    },
    {
      key: 'click',
      label: 'Click rate',
      value: s.rates.click,
      numerator: { label: 'clicked', value: s.clicked },
      denominator: { label: 'delivered', value: s.delivered },
      view: { clicked: true },
    },
    {
      key: 'clickToOpen',
      label: 'Click-to-open rate',
      value: s.rates.clickToOpen,
      numerator: { label: 'clicked', value: s.clicked },
      denominator: { label: 'read', value: s.read },
      view: { clicked: true },
    },
    {
      key: 'bounce',
      label: 'Bounce rate',
      value: s.rates.bounce,
      numerator: { label: 'bounced', value: s.bounced.total },
      denominator: { label: 'sent', value: s.sent },
      view: { status: 'bounced' },
    },
  ];
}

/** A rate as a percentage in the user's locale ("42.5 %"), or "–" when there is nothing to divide by. */
export function formatRate(value: number | null, locale: string): string {
  if (value === null) return '–';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);
}

/** The denominator in words: "3 read of 12 delivered". */
export function rateExplanation(rate: Rate, number: (n: number) => string): string {
  if (rate.denominator.value === 0) return `No recipient ${rate.denominator.label} yet: nothing to divide by`;
  return `${number(rate.numerator.value)} ${rate.numerator.label} of ${number(rate.denominator.value)} ${rate.denominator.label}`;
}

/** Ledger states that are done (sent or given up), as the wizard's progress counts them. */
const doneStates = ['sent', 'delivered', 'read', 'failed', 'bounced', 'complained', 'cancelled'];

/** How far a round is: done of total, as a whole percentage. */
export function progressOf(p: SendProgress): { done: number; percent: number } {
  const done = doneStates.reduce((n, s) => n + (p.byState[s] ?? 0), 0);
  return { done, percent: p.total > 0 ? Math.min(100, Math.round((100 * done) / p.total)) : 0 };
}

/** While the mailing sends, the numbers change: poll them. */
export const isLive = (state: string | undefined): boolean => state === 'sending';
