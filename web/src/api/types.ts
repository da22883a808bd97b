import type { components } from './schema';

/**
 * Shapes of answers the UI reads. The routes declare their answers (docs/decisions/0010), so these
 * are the generated components of `schema.d.ts` under the names the screens use; regenerate with
 * `npm run openapi` when a route's answer changes.
 */
type Schemas = components['schemas'];

export type Right = Schemas['Right'];

/** A user as the API answers it. */
export type User = Schemas['User'];

/** GET /api/v1/auth/me */
export type Me = Schemas['Me'];

export type Channel = Schemas['Mailing']['channel'];
export type MailingState = Schemas['Mailing']['state'];

/** GET /api/v1/mailings (an item) */
export type Mailing = Schemas['Mailing'];

/** The list envelope of the API. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** The envelope of the few lists that are never paged (steps, merge fields, sources…): no total. */
export interface Items<T> {
  items: T[];
}

export type EmailSetup = Schemas['EmailSetup'];
export type FromRule = EmailSetup['from'];
export type SmsSetup = Schemas['SmsSetup'];
export type DocumentSetup = Schemas['DocumentSetup'];
export type RecipientOptions = Schemas['RecipientOptions'];

/**
 * GET /api/v1/mailings/{id}. The API's `setup` and `content` are unions by channel; the screens
 * read the members of their channel's form, so they are flattened here (every member optional).
 */
export type MailingDetail = Omit<Schemas['Mailing'], 'setup' | 'content'> & {
  setup: Partial<EmailSetup & SmsSetup & DocumentSetup>;
  content: Partial<Schemas['EmailContent'] & Schemas['SmsContent'] & Schemas['DocumentContent']>;
};

/** GET /api/v1/mailings/{id}/steps (an item) */
export type Step = Schemas['Step'];
export type StepName = Step['step'];
export type StepError = Step['errors'][number];

/** GET /api/v1/templates (an item) */
export type Template = Schemas['Template'];

export interface Named {
  id: number;
  name: string;
}

/** GET /api/v1/mailings/{id}/recipients/summary */
export type RecipientSummary = Schemas['RecipientSummary'];
/** GET /api/v1/mailings/{id}/recipients (an item) */
export type RecipientRow = Schemas['RecipientRow'];
export type RecipientSource = Schemas['RecipientSource'];
export type AuditFinding = Schemas['AuditFinding'];
export type MergeField = Schemas['MergeField'];

/** POST /api/v1/sms/count */
export type SmsCount = Schemas['SmsCount'];

/** GET /api/v1/mailings/{id}/progress */
export type Progress = Schemas['Progress'];

/** POST /api/v1/mailings/{id}/test-send */
export type TestSendAnswer = Schemas['TestSendResult'];
