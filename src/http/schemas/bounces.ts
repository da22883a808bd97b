import { z } from 'zod';
import { Timestamp } from './common.js';

/**
 * Answers of the bounce routes: the webhook's receipt and settings, unmatched reports and the
 * blocked addresses. The shapes follow src/bounces (`BlockedAddress`, `unmatched`).
 */

export const webhookReceiptSchema = z
  .object({
    /** Reports read from the request. */
    received: z.number().int(),
    matched: z.number().int(),
    unmatched: z.array(z.object({ kind: z.string(), reason: z.string() })),
  })
  .meta({ id: 'BounceWebhookReceipt', description: 'What a relay’s post held and what could be matched' });

export const webhookSettingsSchema = z
  .object({
    // the secret is shown on purpose: the administrator (manageSettings) configures the relay with it
    generic: z.object({ url: z.string(), secret: z.string() }),
    ses: z.object({ url: z.string().meta({ description: 'Carries the secret as ?token=' }) }),
    mailgun: z.object({
      url: z.string(),
      /** The name of the setting that holds the key, never the key. */
      signingKey: z.string(),
    }),
  })
  .meta({
    id: 'BounceWebhookSettings',
    description: 'Where relays post bounces, and the secret that signs them',
  });

export const bounceSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(['hard', 'soft', 'complaint', 'delivered', 'unreadable']),
    address: z.string().nullable(),
    /** The DSN status (`5.1.1`). */
    status: z.string().nullable(),
    code: z.string().nullable(),
    diagnostic: z.string().nullable(),
    source: z.enum(['smtp', 'imap', 'webhook']),
    /** Why it could not be matched to a recipient. */
    reason: z.string().nullable(),
    receivedAt: Timestamp,
  })
  .meta({ id: 'Bounce', description: 'A bounce or complaint report as received' });

export const blockedAddressSchema = z
  .object({
    address: z.string(),
    channel: z.string(),
    /** hardBounce, softBounces, complaint or unsubscribed. */
    reason: z.string(),
    code: z.string().nullable(),
    diagnostic: z.string().nullable(),
    blockedAt: Timestamp,
    /** The persons that have this address. */
    personIds: z.array(z.number().int()),
  })
  .meta({ id: 'BlockedAddress', description: 'An address nothing is sent to, and why' });

export const personsChangedSchema = z
  .object({ persons: z.number().int().meta({ description: 'Persons changed' }) })
  .meta({ id: 'PersonsChanged' });
