/**
 * Answers of the settings routes: the generated components of `schema.d.ts` (the routes declare
 * their answers, docs/decisions/0010) under the names the settings screens use.
 */
import type { components } from '../api/schema';

type Schemas = components['schemas'];

/** GET /api/v1/email-accounts. The password is never returned (`hasPassword`). */
export type EmailAccount = Schemas['EmailAccount'];
/** GET /api/v1/sms-gateways: passwords and header values left out. */
export type SmsGateway = Schemas['SmsGateway'];
export type SmsGatewayKind = SmsGateway['kind'];
/** GET /api/v1/sending-domains */
export type SendingDomain = Schemas['SendingDomain'];
/** One record to publish in DNS. */
export type DnsRecord = SendingDomain['records'][number];
export type DomainCheck = NonNullable<SendingDomain['check']>;
/** GET /api/v1/subscription-types */
export type SubscriptionType = Schemas['SubscriptionType'];
/** GET /api/v1/users */
export type UserRow = Schemas['User'];
/** GET /api/v1/roles */
export type Role = Schemas['Role'];
/** GET /api/v1/api-keys: never the key itself. */
export type ApiKey = Schemas['ApiKey'];
/** POST /api/v1/api-keys: the key, in this answer only. */
export type CreatedApiKey = Schemas['ApiKeyCreated'];
/** GET /api/v1/settings */
export type GeneralSettings = Schemas['Settings'];
