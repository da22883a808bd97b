/**
 * Answers of the settings routes, typed by hand from the services until the routes declare
 * response schemas (then they come from schema.d.ts). Field names are exactly the API's.
 */
import type { Right } from '../api/types';

/** GET /api/v1/email-accounts (src/channels/email/accounts.service.ts). The password is never returned. */
export interface EmailAccount {
  id: number;
  name: string;
  host: string;
  port: number;
  tls: 'none' | 'starttls' | 'required' | 'implicit';
  username: string | null;
  hasPassword: boolean;
  poolSize: number;
  weight: number;
  perSecond: number | null;
  perMinute: number | null;
  perHour: number | null;
  active: boolean;
  createdAt: number;
}

export type SmsGatewayKind = 'smpp' | 'http' | 'outbox';

/** GET /api/v1/sms-gateways (src/channels/sms/gateways.service.ts): passwords and header values left out. */
export interface SmsGateway {
  id: number;
  name: string;
  kind: SmsGatewayKind;
  settings: Record<string, unknown>;
  sender: string | null;
  defaultCountry: string | null;
  perSecond: number | null;
  weight: number;
  active: boolean;
  receiptPath: string | null;
  createdAt: number;
}

/** One record to publish in DNS (src/channels/email/dkim.ts). */
export interface DnsRecord {
  type: 'TXT';
  name: string;
  value: string;
  purpose: 'dkim' | 'spf' | 'dmarc';
}

export interface DomainCheck {
  spf: { found: boolean; record: string | null };
  dkim: { found: boolean; matches: boolean; record: string | null };
  dmarc: { found: boolean; record: string | null; policy: string | null };
  missing: string[];
}

/** GET /api/v1/sending-domains (src/channels/email/domains.service.ts) */
export interface SendingDomain {
  id: number;
  domain: string;
  selector: string;
  records: DnsRecord[];
  check: DomainCheck | null;
  checkedAt: number | null;
  createdAt: number;
}

/** GET /api/v1/subscription-types (src/crm/preferences.service.ts) */
export interface SubscriptionType {
  id: number;
  name: string;
  description: string | null;
  activeCount: number;
}

/** GET /api/v1/users (src/access/access.service.ts) */
export interface UserRow {
  id: number;
  email: string;
  name: string;
  phone: string | null;
  mobile: string | null;
  role: string;
  timeZone: string;
  isActive: boolean;
  createdAt: number;
}

/** GET /api/v1/roles */
export interface Role {
  id: number;
  name: string;
  rights: Right[];
}

/** GET /api/v1/api-keys: never the key itself. */
export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  role: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** POST /api/v1/api-keys: the key, in this answer only. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

/** GET /api/v1/settings (src/settings/settings.service.ts) */
export interface GeneralSettings {
  privacyFilter: boolean;
  bounceThreshold: number;
  linkExpiryDays: number;
  onlyApprovedDomains: boolean;
  expiredLeases: 'resend' | 'hold';
  timeZone: string;
}
