import { z } from 'zod';
import { mailingStates } from '../../mailings/index.js';
import { Id, pageOf, Timestamp } from './common.js';

/**
 * Answers of the sending routes and of the channels' settings (src/sending `Progress`,
 * src/channels: outbox items, sending domains, SMS gateways and e-mail accounts as their views
 * show them: without passwords, keys or header values).
 */

export const Progress = z
  .object({
    mailingId: Id,
    state: z.enum(mailingStates),
    scheduledAt: z
      .string()
      .nullable()
      .meta({ description: 'When a scheduled mailing starts, UTC (ISO 8601)' }),
    scheduledAtLocal: z
      .string()
      .nullable()
      .meta({ description: 'The same time in `timeZone` (2026-11-27 09:00)' }),
    timeZone: z.string(),
    round: z.number().int().nullable(),
    total: z.number().int(),
    byState: z.record(z.string(), z.number().int()).meta({ description: 'Ledger rows per state' }),
    ratePerSecond: z.number().meta({ description: 'Messages per second over the last minute' }),
    expectedEndAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    pausedReason: z.string().nullable(),
  })
  .meta({ id: 'Progress', description: 'The current round of a mailing: counts, rate and expected end' });

export const TestSendResult = z
  .object({ roundId: Id, addresses: z.array(z.string()) })
  .meta({ id: 'TestSendResult', description: 'The test round and the addresses it sends to' });

export const Released = z.object({ released: z.number().int() });

export const OutboxMessage = z
  .object({
    id: Id,
    mailingId: Id.nullable(),
    channel: z.enum(['email', 'sms']),
    address: z.string(),
    envelopeFrom: z.string().nullable().meta({ description: 'The SMTP envelope sender; null for SMS' }),
    subject: z.string().nullable(),
    test: z.boolean(),
    createdAt: Timestamp,
    raw: z.string().meta({ description: 'Where the raw message is served' }),
    html: z.string().meta({ description: 'Where its sandboxed view is served' }),
  })
  .meta({ id: 'OutboxMessage', description: 'A message captured by the dev outbox' });

const DnsRecord = z.object({
  type: z.literal('TXT'),
  name: z.string(),
  value: z.string(),
  purpose: z.enum(['dkim', 'spf', 'dmarc']),
});

const DomainCheck = z.object({
  spf: z.object({ found: z.boolean(), record: z.string().nullable() }),
  dkim: z.object({ found: z.boolean(), matches: z.boolean(), record: z.string().nullable() }),
  dmarc: z.object({ found: z.boolean(), record: z.string().nullable(), policy: z.string().nullable() }),
  missing: z.array(z.string()).meta({ description: 'What is missing, in words' }),
});

export const SendingDomain = z
  .object({
    id: Id,
    domain: z.string(),
    selector: z.string(),
    records: z.array(DnsRecord).meta({ description: 'The records to publish in DNS' }),
    check: DomainCheck.nullable(),
    checkedAt: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'SendingDomain', description: 'A sending domain with its DNS records and last check' });

export const SmsGateway = z
  .object({
    id: Id,
    name: z.string(),
    kind: z.enum(['smpp', 'http', 'outbox']),
    settings: z
      .record(z.string(), z.unknown())
      .meta({ description: 'The settings with passwords and header values left out' }),
    sender: z.string().nullable(),
    defaultCountry: z.string().nullable(),
    perSecond: z.number().nullable(),
    weight: z.number(),
    active: z.boolean(),
    receiptPath: z
      .string()
      .nullable()
      .meta({ description: 'HTTP gateways: where delivery reports are posted' }),
    createdAt: Timestamp,
  })
  .meta({ id: 'SmsGateway', description: 'An SMS gateway account' });

export const EmailAccount = z
  .object({
    id: Id,
    name: z.string(),
    host: z.string(),
    port: z.number().int(),
    tls: z.enum(['none', 'starttls', 'required', 'implicit']),
    username: z.string().nullable(),
    hasPassword: z.boolean().meta({ description: 'Whether a password is stored (it is never returned)' }),
    poolSize: z.number().int(),
    weight: z.number(),
    perSecond: z.number().nullable(),
    perMinute: z.number().nullable(),
    perHour: z.number().nullable(),
    active: z.boolean(),
    createdAt: Timestamp,
  })
  .meta({ id: 'EmailAccount', description: 'An outbound SMTP relay' });

export const SmsReceiptsAccepted = z.object({
  received: z.number().int(),
  unmatched: z.number().int().meta({ description: 'Reports for parts not recorded (not kept)' }),
});

export const outboxPage = pageOf(OutboxMessage);
export const sendingDomainList = pageOf(SendingDomain);
export const smsGatewayList = pageOf(SmsGateway);
export const emailAccountList = pageOf(EmailAccount);
