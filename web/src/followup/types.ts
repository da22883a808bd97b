/**
 * Answers of the follow-up API: the generated components of `schema.d.ts` (the routes declare
 * their answers, docs/decisions/0010) under the names the View mailing screens use.
 */
import type { components } from '../api/schema';

type Schemas = components['schemas'];

/** GET /api/v1/mailings/{id}/progress */
export type SendProgress = Schemas['Progress'];
/** GET /api/v1/mailings/{id}/summary; rates are fractions, null when the denominator is 0. */
export type Summary = Schemas['FollowupSummary'];
/** A row of GET /api/v1/mailings/{id}/followup/recipients (and /bounces). */
export type FollowupRecipient = Schemas['FollowupRecipient'];
/** An item of GET /api/v1/mailings/{id}/links/stats */
export type LinkStat = Schemas['LinkStats'];
/** An item of GET /api/v1/mailings/{id}/links/{n}/clickers */
export type Clicker = Schemas['Clicker'];
/** GET /api/v1/mailings/{id}/reports (per hour: human events only). */
export type Reports = Schemas['FollowupReports'];
/** POST /api/v1/mailings/{id}/add-to */
export type AddToAnswer = Schemas['AddToResult'];
/** POST /api/v1/mailings/{id}/resend */
export type ResendAnswer = Schemas['ResendResult'];
/** A reason something was skipped, as `code: words` (e.g. "notRegistered: only persons …"). */
export type Skipped = ResendAnswer['skipped'][number];
/** POST /api/v1/blocked-addresses/former-employee and /delete-address */
export type PersonsChanged = Schemas['PersonsChanged'];
