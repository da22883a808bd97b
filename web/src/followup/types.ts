/**
 * Answers of the follow-up API, typed by hand from src/followup/followup.service.ts and
 * src/sending/sending.service.ts until the routes declare response schemas (then they come from
 * schema.d.ts). Field names are exactly the API's.
 */
import type { MailingState } from '../api/types';

/** GET /api/v1/mailings/{id}/progress */
export interface SendProgress {
  mailingId: number;
  state: MailingState;
  scheduledAt: string | null;
  scheduledAtLocal: string | null;
  timeZone: string;
  round: number | null;
  total: number;
  byState: Record<string, number>;
  /** Messages per second over the last minute. */
  ratePerSecond: number;
  /** Epoch ms: the expected end while sending, the end once the round is over. */
  expectedEndAt: number | null;
  finishedAt: number | null;
  pausedReason: string | null;
}

/** GET /api/v1/mailings/{id}/summary */
export interface Summary {
  mailingId: number;
  recipients: number;
  sent: number;
  delivered: number;
  read: number;
  clicked: number;
  bounced: { soft: number; hard: number; total: number };
  unsubscribed: number;
  complained: number;
  failed: number;
  /** Blocked recipients by reason. */
  blocked: Record<string, number>;
  opens: { human: number; machine: number };
  clicks: { human: number; machine: number };
  /** Fractions (0.1234), null when the denominator is 0. */
  rates: { open: number | null; click: number | null; clickToOpen: number | null; bounce: number | null };
  byStatus: Record<string, number>;
  /** Only while sending or stopped. */
  progress: SendProgress | null;
}

/** A row of GET /api/v1/mailings/{id}/followup/recipients (and /bounces). */
export interface FollowupRecipient {
  id: number;
  kind: string;
  personId: number | null;
  name: string;
  companyName: string | null;
  address: string | null;
  status: string;
  reason: string | null;
  sentAt: number | null;
  readAt: number | null;
  opens: number;
  clicks: number;
  unsubscribedAt: number | null;
  bounceCode: string | null;
  bounceDiagnostic: string | null;
}

/** An item of GET /api/v1/mailings/{id}/links/stats */
export interface LinkStat {
  n: number;
  name: string | null;
  url: string;
  trackedLinkId: number | null;
  clicks: number;
  uniqueClicks: number;
  machineClicks: number;
}

/** An item of GET /api/v1/mailings/{id}/links/{n}/clickers */
export interface Clicker {
  recipientId: number;
  personId: number | null;
  name: string;
  address: string | null;
  clicks: number;
  firstAt: number;
  lastAt: number;
}

/** GET /api/v1/mailings/{id}/reports */
export interface Reports {
  firstSentAt: number | null;
  clicksPerLink: Array<{ n: number; name: string | null; url: string; clicks: number; uniqueClicks: number }>;
  /** 48 slots from the first send: human events only. */
  perHour: Array<{ hour: number; opens: number; clicks: number }>;
  byStatus: Record<string, number>;
  readsByClient: Array<{ client: string; reads: number }>;
}

/** A reason something was skipped, as `code: words` (e.g. "notRegistered: only persons …"). */
export interface Skipped {
  reason: string;
  count: number;
}

/** POST /api/v1/mailings/{id}/add-to */
export interface AddToAnswer {
  target: { kind: 'selection' | 'project'; id: number; name: string };
  added: number;
  skipped: Skipped[];
}

/** POST /api/v1/mailings/{id}/resend */
export interface ResendAnswer {
  round: number;
  recipients: number;
  skipped: Skipped[];
}

/** POST /api/v1/blocked-addresses/former-employee and /delete-address */
export interface PersonsChanged {
  persons: number;
}
