import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { addToTargetInput, recipientsQuery } from '../../followup/index.js';
import { type Progress, resendInput } from '../../sending/index.js';
import { idParams, pageQuery, RawResponse, route } from '../route.js';
import { itemsOf, pageOf } from '../schemas/common.js';
import {
  addToResultSchema,
  clickerSchema,
  followupRecipientSchema,
  linkResetSchema,
  linkStatsSchema,
  mailingReportsSchema,
  mailingSummarySchema,
  personMailingSchema,
  resendResultSchema,
} from '../schemas/followup.js';

const linkParams = z.object({ id: z.coerce.number().int().positive(), n: z.coerce.number().int().min(1) });

/** Follow-up (PRODUCT.md §12): View mailing's numbers, lists, exports and actions. */
export const followupRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/summary',
    access: 'viewStatistics',
    tag: 'follow-up',
    summary:
      'Recipients, sent, delivered, read (unique human), clicked, bounced, unsubscribed, complained, blocked by reason, the rates, and live progress while sending',
    params: idParams,
    response: mailingSummarySchema,
    handler: async ({ services, params }) => {
      const { progress, ...summary } = await services.followup.summary(params.id);
      // the service types `progress` as unknown; it is sending's Progress, or null when not sending
      return { ...summary, progress: progress as Progress | null };
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/reports',
    access: 'viewStatistics',
    tag: 'follow-up',
    summary:
      'Charts: clicks per link, opens and clicks per hour over the first 48 hours, recipients by status, reads by client',
    params: idParams,
    response: mailingReportsSchema,
    handler: ({ services, params }) => services.followup.reports(params.id),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/followup/recipients',
    access: 'viewStatistics',
    tag: 'follow-up',
    summary:
      'Recipients with sent, read and clicks: ?status= (comma-separated, OR), &reason=, &read=, &clicked=, &unsubscribed= (AND); 100 a page; ?sort=id|name|status|sentAt|readAt|clicks&order=asc|desc',
    params: idParams,
    query: recipientsQuery,
    response: pageOf(followupRecipientSchema),
    handler: ({ services, params, query }) => services.followup.recipients(params.id, query),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/export',
    access: 'viewStatistics',
    tag: 'follow-up',
    summary: 'Every recipient (with the same filters) as CSV or XLSX, streamed',
    params: idParams,
    query: recipientsQuery.extend({ format: z.enum(['csv', 'xlsx']).default('csv') }),
    raw: {
      200: {
        description: 'The recipients as a CSV or XLSX file (an attachment)',
        mediaTypes: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
        headers: { 'content-disposition': 'attachment; filename="mailing-<id>-recipients.<format>"' },
      },
    },
    handler: async ({ services, params, query, reply }) => {
      const { format, ...filter } = query;
      await services.followup.summary(params.id);
      const out = new PassThrough();
      void services.followup.export(params.id, filter, format, out).then(
        () => out.end(),
        (e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))),
      );
      void reply;
      return new RawResponse(
        200,
        {
          'content-type':
            format === 'csv'
              ? 'text/csv; charset=utf-8'
              : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          'content-disposition': `attachment; filename="mailing-${params.id}-recipients.${format}"`,
        },
        out,
      );
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/links/stats',
    access: 'viewStatistics',
    tag: 'follow-up',
    summary: 'Tracked links with total, unique and machine clicks',
    params: idParams,
    response: itemsOf(linkStatsSchema),
    handler: async ({ services, params }) => ({ items: await services.followup.links(params.id) }),
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/links/:n/clickers',
    access: 'viewStatistics',
    tag: 'follow-up',
    summary: 'Who clicked the link, when, and how often',
    params: linkParams,
    query: pageQuery,
    response: pageOf(clickerSchema),
    handler: ({ services, params, query }) => services.followup.clickers(params.id, params.n, query),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/links/:n/reset',
    access: 'editMailings',
    tag: 'follow-up',
    summary:
      "Reset a link's counter: deletes its click data for this mailing, or with { allMailings: true, confirm: true } for every mailing using the registered link",
    params: linkParams,
    body: z.strictObject({ allMailings: z.boolean().default(false), confirm: z.boolean().optional() }),
    response: linkResetSchema,
    handler: async ({ services, params, body, actor }) => {
      if (body.allMailings && body.confirm !== true) {
        const { invalid } = await import('../../core/index.js');
        throw invalid(
          'CONFIRMATION_REQUIRED',
          'resetting the link in all mailings needs { "confirm": true }',
          { field: 'confirm' },
        );
      }
      return services.followup.resetLink(params.id, params.n, body.allMailings, actor);
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/mailings/:id/bounces',
    access: 'viewStatistics',
    tag: 'follow-up',
    summary: 'Bounced and complained recipients with kind, code and reason',
    params: idParams,
    query: pageQuery,
    response: pageOf(followupRecipientSchema),
    handler: ({ services, params, query }) => services.followup.bounces(params.id, query),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/add-to',
    access: 'editCrm',
    tag: 'follow-up',
    summary:
      'Add recipients ({ recipientIds } | { filter } | { clickersOfLink }) to { newSelectionName } | { selectionId } | { projectId }; registered persons only, the rest is reported as skipped',
    params: idParams,
    body: addToTargetInput,
    response: addToResultSchema,
    handler: ({ services, params, body, actor }) => services.followup.addTo(params.id, body, actor),
  }),
  route({
    method: 'POST',
    url: '/api/v1/mailings/:id/resend',
    access: 'sendMailings',
    tag: 'follow-up',
    summary:
      'A new round: { mode: "selected", recipientIds } | { mode: "nonReaders" } (sent, no human read) | { mode: "reload" } (sources again, only those not in the list)',
    params: idParams,
    body: resendInput,
    response: resendResultSchema,
    handler: ({ services, params, body, actor }) => services.sending.resend(params.id, body, actor),
  }),
  route({
    method: 'GET',
    url: '/api/v1/persons/:id/mailings',
    access: 'viewStatistics',
    tag: 'follow-up',
    summary: 'The mailings a person received, and what they did (read, clicks, links, unsubscribed)',
    params: idParams,
    response: pageOf(personMailingSchema),
    handler: async ({ services, params }) => {
      await services.persons.get(params.id);
      const items = await services.followup.personHistory(params.id);
      return { items, total: items.length };
    },
  }),
];
