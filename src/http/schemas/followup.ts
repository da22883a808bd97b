import { z } from 'zod';
import { mailingStates } from '../../mailings/index.js';
import { Timestamp } from './common.js';
import { Progress } from './sending.js';

/**
 * Answers of the follow-up routes (PRODUCT.md §12): a mailing's numbers, charts, recipient lists,
 * links and clickers, and the actions on them. The shapes follow src/followup's `Summary` and
 * `FollowupRecipient` and what its list methods return.
 */

/** Counts by a free key (status, blocking reason, ledger state). */
const countsBy = z.record(z.string(), z.number().int());

/** A share between 0 and 1 (four decimals), or null when there is nothing to divide by. */
const rate = z.number().nullable();

export const mailingSummarySchema = z
  .object({
    mailingId: z.number().int(),
    recipients: z.number().int(),
    sent: z.number().int(),
    delivered: z.number().int(),
    /** Recipients with a human read (open or click). */
    read: z.number().int(),
    clicked: z.number().int(),
    bounced: z.object({ soft: z.number().int(), hard: z.number().int(), total: z.number().int() }),
    unsubscribed: z.number().int(),
    complained: z.number().int(),
    failed: z.number().int(),
    /** Blocked recipients by reason. */
    blocked: countsBy,
    opens: z.object({ human: z.number().int(), machine: z.number().int() }),
    clicks: z.object({ human: z.number().int(), machine: z.number().int() }),
    rates: z.object({ open: rate, click: rate, clickToOpen: rate, bounce: rate }),
    byStatus: countsBy,
    /** The current round while the mailing is sending or stopped; null otherwise. */
    progress: Progress.nullable(),
  })
  .meta({ id: 'FollowupSummary', description: "A mailing's numbers, with live progress while sending" });

export const linkStatsSchema = z
  .object({
    /** The link's number in the mailing. */
    n: z.number().int(),
    name: z.string().nullable(),
    url: z.string(),
    trackedLinkId: z.number().int().nullable(),
    clicks: z.number().int(),
    uniqueClicks: z.number().int(),
    machineClicks: z.number().int(),
  })
  .meta({ id: 'LinkStats', description: 'A tracked link of a mailing with its click counts' });

export const mailingReportsSchema = z
  .object({
    /** When the first message went out; null before anything was sent. */
    firstSentAt: Timestamp.nullable(),
    clicksPerLink: z.array(
      linkStatsSchema.pick({ n: true, name: true, url: true, clicks: true, uniqueClicks: true }),
    ),
    /** Human opens and clicks per hour over the first 48 hours (48 entries). */
    perHour: z.array(z.object({ hour: z.number().int(), opens: z.number().int(), clicks: z.number().int() })),
    byStatus: countsBy,
    readsByClient: z.array(z.object({ client: z.string(), reads: z.number().int() })),
  })
  .meta({ id: 'FollowupReports', description: "The data of a mailing's charts" });

export const followupRecipientSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    personId: z.number().int().nullable(),
    name: z.string(),
    companyName: z.string().nullable(),
    address: z.string().nullable(),
    status: z.string(),
    reason: z.string().nullable(),
    sentAt: Timestamp.nullable(),
    readAt: Timestamp.nullable(),
    opens: z.number().int(),
    clicks: z.number().int(),
    unsubscribedAt: Timestamp.nullable(),
    bounceCode: z.string().nullable(),
    bounceDiagnostic: z.string().nullable(),
  })
  .meta({ id: 'FollowupRecipient', description: 'A recipient of a mailing with what they did' });

export const clickerSchema = z
  .object({
    recipientId: z.number().int(),
    personId: z.number().int().nullable(),
    name: z.string(),
    address: z.string().nullable(),
    clicks: z.number().int(),
    firstAt: Timestamp,
    lastAt: Timestamp,
  })
  .meta({ id: 'Clicker', description: 'A recipient who clicked a link, when and how often' });

export const linkResetSchema = z
  .object({ mailings: z.number().int().meta({ description: 'The mailings whose counter was reset' }) })
  .meta({ id: 'LinkReset' });

/** Recipients left out of an action, by reason. */
const skipped = z.array(z.object({ reason: z.string(), count: z.number().int() }));

export const addToResultSchema = z
  .object({
    target: z.object({ kind: z.enum(['selection', 'project']), id: z.number().int(), name: z.string() }),
    /** Persons added (or already members). */
    added: z.number().int(),
    skipped,
  })
  .meta({ id: 'AddToResult', description: 'Where recipients were added, how many, and who was skipped' });

export const resendResultSchema = z
  .object({ round: z.number().int(), recipients: z.number().int(), skipped })
  .meta({ id: 'ResendResult', description: 'The new round and how many recipients it sends to' });

export const personMailingSchema = z
  .object({
    mailingId: z.number().int(),
    mailingName: z.string(),
    channel: z.string(),
    mailingState: z.enum(mailingStates),
    status: z.string(),
    reason: z.string().nullable(),
    sentAt: Timestamp.nullable(),
    readAt: Timestamp.nullable(),
    opens: z.number().int(),
    clicks: z.number().int(),
    unsubscribedAt: Timestamp.nullable(),
    links: z.array(z.object({ url: z.string(), clicks: z.number().int(), firstAt: Timestamp })),
  })
  .meta({ id: 'PersonMailing', description: 'A mailing a person received, and what they did' });
