import type { FastifyRequest } from 'fastify';
import {
  freshLinkSentPage,
  gonePage,
  managePage,
  notFoundPage,
  unsubscribeConfirmPage,
  unsubscribedPage,
} from '../pages.js';
import { htmlAnswer, htmlResponse, mailingContentResponse, RawResponse, route } from '../route.js';

/** The 1×1 transparent GIF of the open pixel. */
export const pixelGif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const noStore = { 'cache-control': 'no-store, private', 'referrer-policy': 'no-referrer' };

function facts(request: FastifyRequest) {
  return { method: request.method, userAgent: request.headers['user-agent'], ip: request.ip };
}

function tokenOf(params: unknown): string {
  return (params as { token?: string }).token ?? '';
}

function form(body: unknown): Record<string, string | string[]> {
  return body && typeof body === 'object' ? (body as Record<string, string | string[]>) : {};
}

const notFound = () => htmlResponse(404, notFoundPage);

/**
 * The public tracking endpoints (PRODUCT.md §16: outside `/api`, no credentials; the signed token
 * is the only key). The hottest path of the product: no schema work, one token check, one queued
 * event, answered after its group commit.
 */
export const trackingRoutes = [
  route({
    method: 'GET',
    url: '/t/c/:token/:n',
    access: 'public',
    tag: 'tracking',
    summary:
      'A tracked link (or, as link 0, the open pixel): counts the click and redirects to the link of the mailing',
    raw: {
      200: {
        description: 'The open pixel (link 0, a GIF), or the text page of a link that shows one',
        mediaTypes: ['image/gif', 'text/html'],
      },
      302: { description: 'To the link of the mailing', headers: { location: 'The link' } },
      404: htmlAnswer('No such link or token'),
    },
    handler: async ({ services, params, request }) => {
      const n = (params as { n?: string }).n ?? '';
      if (!/^\d{1,7}$/.test(n)) return notFound();
      const token = tokenOf(params);
      if (n === '0') {
        const ok = await services.tracking.open(token, facts(request));
        return ok ? new RawResponse(200, { 'content-type': 'image/gif', ...noStore }, pixelGif) : notFound();
      }
      const r = await services.tracking.click(token, Number(n), facts(request));
      if (!r.ok) return notFound();
      if (r.value.kind === 'redirect') return new RawResponse(302, { location: r.value.url, ...noStore }, '');
      return htmlResponse(200, r.value.text === '' ? '' : textPage(r.value.text));
    },
  }),
  route({
    method: 'GET',
    url: '/t/v/:token',
    access: 'public',
    tag: 'tracking',
    summary: 'View online: the message as the recipient got it',
    raw: {
      200: htmlAnswer('The message as the recipient got it, in a sandbox that runs no script'),
      404: htmlAnswer('No such token'),
    },
    handler: async ({ services, params }) => {
      const r = await services.tracking.viewOnline(tokenOf(params));
      return r.ok ? mailingContentResponse(r.value.html) : notFound();
    },
  }),
  route({
    method: 'GET',
    url: '/t/u/:token',
    access: 'public',
    tag: 'tracking',
    summary: 'Unsubscribe: a page with one button (a GET never unsubscribes: link scanners follow links)',
    raw: { 200: htmlAnswer('The unsubscribe page'), 404: htmlAnswer('No such token') },
    handler: async ({ services, params, request }) => {
      const r = await services.tracking.unsubscribeInfo(tokenOf(params));
      if (!r.ok) return notFound();
      return htmlResponse(
        200,
        unsubscribeConfirmPage(request.url, r.value.typeName, r.value.done && !r.value.test),
      );
    },
  }),
  route({
    method: 'POST',
    url: '/t/u/:token',
    access: 'public',
    tag: 'tracking',
    summary:
      'RFC 8058 one-click unsubscribe: a POST with `List-Unsubscribe=One-Click` unsubscribes at once (no cookie, no login, no redirect)',
    raw: {
      200: htmlAnswer('Unsubscribed'),
      400: htmlAnswer('Not a one-click request: the page with its button'),
      404: htmlAnswer('No such token'),
    },
    handler: async ({ services, params, body, request }) => {
      // RFC 8058 allows the body as multipart/form-data too
      let oneClick = form(body)['List-Unsubscribe'];
      if (request.isMultipart())
        for await (const part of request.parts({ limits: { fields: 10, fieldSize: 1024, files: 0 } }))
          if (part.type === 'field' && part.fieldname === 'List-Unsubscribe') oneClick = String(part.value);
      if (oneClick !== 'One-Click')
        return htmlResponse(
          400,
          unsubscribeConfirmPage('', null, false).replace(
            '<form',
            '<p>The request did not say <code>List-Unsubscribe=One-Click</code>.</p><form',
          ),
        );
      const r = await services.tracking.unsubscribe(tokenOf(params), 'oneClick');
      if (!r.ok) return notFound();
      return htmlResponse(200, unsubscribedPage(r.value.typeName, r.value.test));
    },
  }),
  route({
    method: 'GET',
    url: '/t/m/:token',
    access: 'public',
    tag: 'tracking',
    summary:
      'Manage subscriptions: a page to choose subscription types (valid for the link expiry, then 410)',
    raw: {
      200: htmlAnswer('The manage-subscriptions page'),
      404: htmlAnswer('No such token'),
      410: htmlAnswer('The link expired: a page offering a fresh one'),
    },
    handler: async ({ services, params, request }) => {
      const token = tokenOf(params);
      const r = await services.tracking.managePage(token);
      if (!r.ok) return r.status === 410 ? htmlResponse(410, gonePage(`/t/m/${token}/fresh`)) : notFound();
      return htmlResponse(200, managePage(request.url, r.value, false));
    },
  }),
  route({
    method: 'POST',
    url: '/t/m/:token',
    access: 'public',
    tag: 'tracking',
    summary: 'Saves the manage-subscriptions page: checked types (`type`) active, the others cancelled',
    raw: {
      200: htmlAnswer('The page, saved'),
      404: htmlAnswer('No such token'),
      410: htmlAnswer('The link expired: a page offering a fresh one'),
    },
    handler: async ({ services, params, body, request }) => {
      const token = tokenOf(params);
      const raw = form(body).type;
      const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
        .filter((v) => /^\d{1,9}$/.test(v))
        .map(Number);
      const r = await services.tracking.saveSubscriptions(token, ids);
      if (!r.ok) return r.status === 410 ? htmlResponse(410, gonePage(`/t/m/${token}/fresh`)) : notFound();
      return htmlResponse(200, managePage(request.url, r.value, true));
    },
  }),
  route({
    method: 'POST',
    url: '/t/m/:token/fresh',
    access: 'public',
    tag: 'tracking',
    summary: 'An expired manage link: e-mails a fresh one to the address it was sent to',
    rateLimitPerMinute: 10,
    raw: { 200: htmlAnswer('A fresh link was sent'), 404: htmlAnswer('No such token') },
    handler: async ({ services, params }) => {
      const r = await services.tracking.sendFreshManageLink(tokenOf(params));
      return r.ok ? htmlResponse(200, freshLinkSentPage()) : notFound();
    },
  }),
];

function textPage(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Thank you</title></head><body style="font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem"><p>${escaped.replace(/\n/g, '<br>')}</p></body></html>`;
}
