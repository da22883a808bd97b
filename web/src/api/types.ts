/**
 * Shapes of answers the UI reads, named here until the routes declare response schemas (then they
 * come from schema.d.ts). Kept to the fields the screens use.
 */

export type Right =
  | 'viewCrm'
  | 'editCrm'
  | 'editMailings'
  | 'sendMailings'
  | 'overrideConsent'
  | 'runMailMerge'
  | 'manageSettings'
  | 'manageUsers'
  | 'viewStatistics';

export interface User {
  id: number;
  email: string;
  name: string;
  role: string;
  timeZone: string;
  isActive: boolean;
}

/** GET /api/v1/auth/me */
export interface Me {
  kind: 'user' | 'apiKey' | 'system';
  label: string;
  user: User | null;
  rights: Right[];
}

export type Channel = 'email' | 'sms' | 'document' | 'formResponse';
export type MailingState =
  | 'draft'
  | 'scheduled'
  | 'sending'
  | 'stopped'
  | 'finished'
  | 'cancelled'
  | 'active';

export interface Mailing {
  id: number;
  name: string;
  channel: Channel;
  state: MailingState;
  folderId: number | null;
  scheduledAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface FromRule {
  rule: 'always' | 'ourContact';
  name: string;
  address: string;
}

export interface EmailSetup {
  subject: string;
  preheader: string;
  from: FromRule;
  replyTo: { rule: 'sameAsFrom' | 'own'; name: string; address: string };
  tracking: {
    opens: boolean;
    allLinks: boolean;
    utm: { enabled: boolean; source: string; campaign: string };
  };
  trackedLinkIds: number[];
}

export interface SmsSetup {
  sender: string;
  allowReplies: boolean;
}

export interface DocumentSetup {
  heading: string;
  attention: { rule: 'ifNoneDefined' | 'always'; text: string };
  ourReference: string;
  senderBlock: string;
}

export interface RecipientOptions {
  onePerAddress: boolean;
  overrideConsent: boolean;
  includeCompanies: boolean;
  preferCompany: boolean;
  updateListWhenSending: boolean;
}

/** GET /api/v1/mailings/{id} */
export interface MailingDetail extends Mailing {
  selectionId: number | null;
  projectId: number | null;
  subscriptionTypeId: number | null;
  templateId: number | null;
  setup: Partial<EmailSetup & SmsSetup & DocumentSetup>;
  recipientOptions: RecipientOptions;
  content: { format?: 'mjml' | 'html'; source?: string; text?: string; body?: string };
  contentVersion: number;
  revision: number;
}

export type StepName = 'setup' | 'template' | 'content' | 'recipients' | 'confirm';

export interface StepError {
  field: string;
  code: string;
  message: string;
}

/** GET /api/v1/mailings/{id}/steps */
export interface Step {
  step: StepName;
  complete: boolean;
  errors: StepError[];
}

/** GET /api/v1/templates */
export interface Template {
  id: number;
  name: string;
  channel: Channel;
  description: string | null;
}

export interface Named {
  id: number;
  name: string;
}

/** GET /api/v1/mailings/{id}/recipients/summary */
export interface RecipientSummary {
  total: number;
  byStatus: Record<string, number>;
  byReason: Record<string, number>;
  stale: boolean;
  builtAt: number | null;
  building?: { done: number; total: number } | null;
  buildError?: string | null;
}

export interface RecipientRow {
  id: number;
  kind: string;
  name: string | null;
  companyName: string | null;
  address: string | null;
  status: string;
  reason: string | null;
}

export interface RecipientSource {
  id: number | null;
  kind: 'selection' | 'project' | 'persons' | 'import';
  origin: string;
  refId: number | null;
  label: string;
  itemCount: number;
  invalidCount: number;
}

export interface AuditFinding {
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
  where?: { part?: string; line?: number; column?: number; element?: string } | null;
}

export interface MergeField {
  name: string;
  description: string;
  example: string;
  group: string;
}

/** POST /api/v1/sms/count */
export interface SmsCount {
  encoding: 'GSM-7' | 'UCS-2';
  characters: number;
  units: number;
  parts: number;
  remaining: number;
  nonGsmCharacters: string[];
}

/** GET /api/v1/mailings/{id}/progress */
export interface Progress {
  mailingId: number;
  state: MailingState;
  total: number;
  byState: Record<string, number>;
  ratePerSecond: number;
  expectedEndAt: number | null;
  finishedAt: number | null;
  pausedReason: string | null;
  scheduledAt: number | null;
}

/** POST /api/v1/mailings/{id}/test-send */
export interface TestSendAnswer {
  roundId: number;
  addresses: string[];
}
