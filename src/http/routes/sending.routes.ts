import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { emailAccountInput, emailAccountPatch, sendingDomainInput } from '../../channels/email/index.js';
import { smsGatewayInput, smsGatewayPatch } from '../../channels/sms/index.js';
import { ReceiptBook, scheduleInput, testSendInput } from '../../sending/index.js';
import { htmlAnswer, idParams, mailingContentResponse, pageQuery, route } from '../route.js';
import * as s from '../schemas/sending.js';

const action = (name: 'send' | 'stop' | 'start' | 'cancel', summary: string) =>
  route({
    method: 'POST',
    url: `/api/v1/mailings/:id/${name}`,
    access: 'sendMailings',
    tag: 'sending',
    summary,
    params: idParams,
    response: s.Progress,
    handler: ({ services, params, actor }) => services.sending[name](params.id, actor),
  });

export const sendingRoutes = [
  action(
    'send',
    'Send now: freezes the recipient list into the send ledger (refused with the failing steps while incomplete)',
  ),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/schedule',
    access: 'sendMailings',
    tag: 'sending',
    summary: 'Schedule: { at: ISO time with offset }, stored in UTC',
    params: idParams,
    body: scheduleInput,
    response: s.Progress,
    handler: ({ services, params, body, actor }) => services.sending.schedule(params.id, body, actor),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/test-send',
    // it mails arbitrary addresses: a sending right, limited per user and hour
    access: 'sendMailings',
    tag: 'sending',
    summary:
      'Test send to ";"-separated addresses through the real channel (test lane, marked as test, not counted)',
    params: idParams,
    body: testSendInput,
    status: 202,
    response: s.TestSendResult,
    handler: ({ services, params, body, actor }) => services.sending.testSend(params.id, body, actor),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/release-held',
    access: 'sendMailings',
    tag: 'sending',
    summary: 'Send the rows held for review after a worker died (setting expiredLeases = hold)',
    params: idParams,
    response: s.Released,
    handler: ({ services, params, actor }) => services.sending.releaseHeld(params.id, actor),
  }),
  action('stop', 'Stop: pause sending (messages in flight finish)'),
  action('start', 'Start: resume a stopped mailing, or start a scheduled one now'),
  action('cancel', 'Cancel: end it for good (unsent recipients are cancelled)'),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/progress',
    access: 'viewStatistics',
    tag: 'sending',
    summary: 'Counts per ledger state, current rate and expected end',
    params: idParams,
    response: s.Progress,
    handler: ({ services, params, actor }) => services.sending.progress(params.id, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/document.pdf',
    access: 'runMailMerge',
    tag: 'sending',
    summary: "A document mailing's merged PDF: one letter per recipient, each on a new page",
    params: idParams,
    raw: { 200: { description: 'The merged letters', mediaTypes: ['application/pdf'] } },
    handler: async ({ services, params, reply }) => {
      const d = await services.sending.document(params.id);
      void reply
        .header('content-type', 'application/pdf')
        .header('content-length', String(d.bytes))
        .header('content-disposition', `inline; filename="mailing-${params.id}.pdf"`);
      return createReadStream(d.file);
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/outbox',
    access: 'sendMailings',
    tag: 'sending',
    summary: 'The dev outbox: messages captured when no relay is configured (newest first)',
    query: pageQuery.extend({
      mailingId: z.coerce.number().int().positive().optional(),
      channel: z.enum(['email', 'sms']).optional(),
    }),
    response: s.outboxPage,
    handler: ({ services, query }) => services.outbox.list(query),
  }),
  route({
    method: 'GET',
    url: '/api/v1/outbox/:id/raw',
    access: 'sendMailings',
    tag: 'sending',
    summary: 'One captured message as raw .eml (message/rfc822)',
    params: idParams,
    raw: { 200: { description: 'The message as .eml', mediaTypes: ['message/rfc822'] } },
    handler: async ({ services, params, reply }) => {
      const message = await services.outbox.raw(params.id);
      void reply
        .header('content-type', 'message/rfc822')
        .header('content-disposition', `attachment; filename="message-${params.id}.eml"`);
      return message;
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/outbox/:id/html',
    access: 'sendMailings',
    tag: 'sending',
    summary:
      'One captured message as its recipient would see it: the HTML part (or the text / SMS), in a sandbox that runs no script',
    params: idParams,
    // the mailing's own HTML, shown on our origin: it runs nothing (route.ts)
    raw: { 200: htmlAnswer('The message as its recipient sees it, in a sandbox that runs no script') },
    handler: async ({ services, params }) => mailingContentResponse(await services.outbox.view(params.id)),
  }),
];

export const sendingDomainRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/sending-domains',
    access: 'manageSettings',
    tag: 'sending-domains',
    summary: 'Sending domains with the DNS records to publish and the last check',
    response: s.sendingDomainList,
    handler: async ({ services }) => {
      const items = await services.sendingDomains.list();
      return { items, total: items.length };
    },
  }),
  route({
    method: 'POST',
    url: '/api/v1/sending-domains',
    access: 'manageSettings',
    tag: 'sending-domains',
    summary: 'Add a sending domain: generates its 2048-bit DKIM key and answers the DNS records to publish',
    body: sendingDomainInput,
    status: 201,
    response: s.SendingDomain,
    handler: ({ services, body, actor }) => services.sendingDomains.add(body, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/sending-domains/:id',
    access: 'manageSettings',
    tag: 'sending-domains',
    summary: 'One sending domain',
    params: idParams,
    response: s.SendingDomain,
    handler: ({ services, params }) => services.sendingDomains.get(params.id),
  }),
  route({
    method: 'POST',
    url: '/api/v1/sending-domains/:id/check',
    access: 'manageSettings',
    tag: 'sending-domains',
    summary: 'Check SPF, DKIM and DMARC in DNS and say what is missing',
    params: idParams,
    response: s.SendingDomain,
    handler: ({ services, params, actor }) => services.sendingDomains.check(params.id, actor),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/sending-domains/:id',
    access: 'manageSettings',
    tag: 'sending-domains',
    summary: 'Remove a sending domain (its messages are no longer signed)',
    params: idParams,
    status: 204,
    handler: ({ services, params, actor }) => services.sendingDomains.delete(params.id, actor),
  }),
];

export const smsGatewayRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/sms-gateways',
    access: 'manageSettings',
    tag: 'sms-gateways',
    summary: 'SMS gateway accounts (passwords and header values are never returned)',
    response: s.smsGatewayList,
    handler: async ({ services }) => {
      const items = await services.smsGateways.list();
      return { items, total: items.length };
    },
  }),
  route({
    method: 'POST',
    url: '/api/v1/sms-gateways',
    access: 'manageSettings',
    tag: 'sms-gateways',
    summary:
      'Add an SMS gateway: { kind: "smpp", host, port, systemId, password, … } | { kind: "http", url, method, format, fields, headers, idPath } | { kind: "outbox" }',
    body: smsGatewayInput,
    status: 201,
    response: s.SmsGateway,
    handler: ({ services, body, actor }) => services.smsGateways.create(body, actor),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/sms-gateways/:id',
    access: 'manageSettings',
    tag: 'sms-gateways',
    summary: 'Turn a gateway on or off: { active }',
    params: idParams,
    body: smsGatewayPatch,
    response: s.SmsGateway,
    handler: ({ services, params, body, actor }) => services.smsGateways.update(params.id, body, actor),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/sms-gateways/:id',
    access: 'manageSettings',
    tag: 'sms-gateways',
    summary: 'Remove an SMS gateway',
    params: idParams,
    status: 204,
    handler: ({ services, params, actor }) => services.smsGateways.remove(params.id, actor),
  }),
  route({
    method: 'POST',
    url: '/hooks/sms/:token',
    access: 'public',
    tag: 'sms-gateways',
    summary:
      "An HTTP gateway's delivery reports (one or an array), at the signed path its settings show; mapped by the gateway's `receipts` paths",
    params: z.object({ token: z.string().min(10).max(200) }),
    body: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()).max(10_000)]),
    status: 202,
    response: s.SmsReceiptsAccepted,
    handler: async ({ services, params, body }) => {
      const receipts = await services.smsGateways.receiptsFrom(params.token, body);
      const book = new ReceiptBook(services.db, services.clock, 0);
      for (const r of receipts) book.add(r);
      await book.flush();
      // a report for a part not recorded yet (or unknown) is not kept: the count says so
      return { received: receipts.length, unmatched: book.waiting };
    },
  }),
];

export const emailAccountRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/email-accounts',
    access: 'manageSettings',
    tag: 'email-accounts',
    summary: 'Outbound e-mail accounts (SMTP relays); passwords are never returned',
    response: s.emailAccountList,
    handler: async ({ services }) => {
      const items = await services.emailAccounts.list();
      return { items, total: items.length };
    },
  }),
  route({
    method: 'POST',
    url: '/api/v1/email-accounts',
    access: 'manageSettings',
    tag: 'email-accounts',
    summary:
      'Add an SMTP relay: { name, host, port, tls: none|starttls|required|implicit, username, password, poolSize, weight, perSecond, perMinute, perHour }',
    body: emailAccountInput,
    status: 201,
    response: s.EmailAccount,
    handler: ({ services, body, actor }) => services.emailAccounts.create(body, actor),
  }),
  route({
    method: 'PATCH',
    url: '/api/v1/email-accounts/:id',
    access: 'manageSettings',
    tag: 'email-accounts',
    summary: 'Turn an account on or off: { active }',
    params: idParams,
    body: emailAccountPatch,
    response: s.EmailAccount,
    handler: ({ services, params, body, actor }) => services.emailAccounts.update(params.id, body, actor),
  }),
  route({
    method: 'DELETE',
    url: '/api/v1/email-accounts/:id',
    access: 'manageSettings',
    tag: 'email-accounts',
    summary: 'Remove an e-mail account',
    params: idParams,
    status: 204,
    handler: ({ services, params, actor }) => services.emailAccounts.remove(params.id, actor),
  }),
];
