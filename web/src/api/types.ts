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
