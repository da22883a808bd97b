import { z } from 'zod';
import { blockedQuery, readWebhook } from '../../bounces/index.js';
import { pageQuery, route } from '../route.js';
import {
  blockedAddressSchema,
  bounceSchema,
  personsChangedSchema,
  webhookReceiptSchema,
  webhookSettingsSchema,
} from '../schemas/bounces.js';
import { pageOf } from '../schemas/common.js';

const addressBody = z.strictObject({ address: z.string().trim().min(3).max(320) });

export const bounceRoutes = [
  route({
    method: 'POST',
    url: '/api/v1/webhooks/bounces',
    access: 'public',
    tag: 'bounces',
    summary:
      'Bounces and complaints from a relay: ?provider=generic (X-Posthorn-Signature: t=<seconds>,v1=<hex HMAC-SHA256(secret, t.body)>), ses (SNS, ?token=<secret>) or mailgun (its signature)',
    query: z.object({
      provider: z.enum(['generic', 'ses', 'mailgun']).default('generic'),
      token: z.string().max(200).optional(),
    }),
    rateLimitPerMinute: 600,
    // Amazon SNS posts its notifications as text/plain
    alsoAccepts: ['text/plain'],
    response: webhookReceiptSchema,
    handler: async ({ services, query, request, body }) => {
      const rawBody = request.rawBody ?? (typeof body === 'string' ? body : JSON.stringify(body ?? null));
      const signature = request.headers['x-posthorn-signature'];
      const reports = readWebhook(
        query.provider,
        {
          rawBody,
          signatureHeader: Array.isArray(signature) ? signature[0] : signature,
          token: query.token,
          now: services.clock.now(),
        },
        services.webhookKeys,
      );
      const outcomes = [];
      for (const r of reports) outcomes.push(await services.bounces.ingest(r, 'webhook'));
      return {
        received: reports.length,
        matched: outcomes.filter((o) => o.matched).length,
        unmatched: outcomes.filter((o) => !o.matched).map((o) => ({ kind: o.kind, reason: o.note })),
      };
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/webhooks/bounces',
    access: 'manageSettings',
    tag: 'bounces',
    summary: 'Where relays post bounces, and the secret that signs them',
    response: webhookSettingsSchema,
    handler: async ({ services, request }) => {
      // relays post to the public host name (docs/security.md), not to where the admin reads this
      const base = `${request.server.posthorn.publicUrl}/api/v1/webhooks/bounces`;
      return {
        generic: { url: `${base}?provider=generic`, secret: services.webhookKeys.secret },
        ses: { url: `${base}?provider=ses&token=${services.webhookKeys.secret}` },
        mailgun: { url: `${base}?provider=mailgun`, signingKey: 'POSTHORN_MAILGUN_SIGNING_KEY' },
      };
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/bounces/unmatched',
    access: 'viewStatistics',
    tag: 'bounces',
    summary: 'Reports that could not be matched to a recipient, with the reason',
    query: pageQuery,
    response: pageOf(bounceSchema),
    handler: async ({ services, query }) => {
      const items = await services.bounces.unmatched(query);
      return { items, total: items.length };
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/blocked-addresses',
    access: 'viewStatistics',
    tag: 'bounces',
    summary: 'Blocked addresses of all mailings (?reason=hardBounce|softBounces|complaint|unsubscribed, ?q=)',
    query: blockedQuery,
    response: pageOf(blockedAddressSchema),
    handler: ({ services, query }) => services.bounces.blocked(query),
  }),
  route({
    method: 'POST',
    url: '/api/v1/blocked-addresses/clear',
    access: 'editCrm',
    tag: 'bounces',
    summary:
      'Clear the flag: the address can be sent to again (an unsubscribe or a complaint needs the right overrideConsent; audited)',
    body: addressBody,
    status: 204,
    handler: async ({ services, body, actor }) => {
      await services.bounces.clear(body.address, actor);
    },
  }),
  route({
    method: 'POST',
    url: '/api/v1/blocked-addresses/former-employee',
    access: 'editCrm',
    tag: 'bounces',
    summary: 'Mark the persons with this blocked address as former employees',
    body: addressBody,
    response: personsChangedSchema,
    handler: ({ services, body, actor }) => services.bounces.setFormerEmployee(body.address, actor),
  }),
  route({
    method: 'POST',
    url: '/api/v1/blocked-addresses/delete-address',
    access: 'editCrm',
    tag: 'bounces',
    summary: 'Remove the blocked address from the persons that have it',
    body: addressBody,
    response: personsChangedSchema,
    handler: ({ services, body, actor }) => services.bounces.deleteAddress(body.address, actor),
  }),
];
