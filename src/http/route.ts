import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Right } from '../access/index.js';
import type { Actor } from '../core/index.js';
import type { Services } from '../services.js';

/**
 * One entry of the route table. Every route declares the right it needs: a functional right
 * (PRODUCT.md §14), `authenticated` (any logged-in user or API key), or `public` (no credentials:
 * health, login, the API description). The server enforces it before the handler runs: no
 * credentials → 401, credentials without the right → 403.
 */
export type Access = Right | 'authenticated' | 'public';

export interface RouteContext<P, Q, B> {
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  services: Services;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * An answer that is not JSON (a RawResponse, a stream, plain text), described for the API
 * document: its media types (none: no body, as a redirect) and what it is.
 */
export interface RawAnswer {
  description: string;
  /** Media types of the body; binary ones are described as `format: binary` strings. */
  mediaTypes?: readonly string[] | undefined;
  /** Response headers worth naming (a redirect's `location`). */
  headers?: Readonly<Record<string, string>> | undefined;
}

export interface RouteDefinition<P = unknown, Q = unknown, B = unknown, R = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  access: Access;
  summary: string;
  tag: string;
  params?: z.ZodType<P> | undefined;
  query?: z.ZodType<Q> | undefined;
  body?: z.ZodType<B> | undefined;
  /** The request is multipart/form-data (file upload); `body` is then not parsed as JSON. */
  multipart?: boolean | undefined;
  /**
   * Body media types the route takes besides the default. `/api` routes take `application/json`
   * only (plus multipart when `multipart` is set): a cross-site HTML form can send neither, which
   * is the first line against CSRF (docs/security.md). Public pages outside `/api` take any.
   */
  alsoAccepts?: ReadonlyArray<'text/plain' | 'multipart/form-data'> | undefined;
  /** Requests per minute per client IP (login). */
  rateLimitPerMinute?: number | undefined;
  /** Status of a successful response (default 200; 201 for creations, 204 without body). */
  status?: number | undefined;
  /**
   * The JSON body of the successful answer (at `status`). The server adds the error answers (the
   * shared `Error` shape) and serialises through this schema: undeclared keys never leave the
   * server (docs/decisions/0010-response-schemas.md). The handler must return the schema's input.
   */
  response?: z.ZodType<unknown, R> | undefined;
  /** Routes that answer something else than JSON (pages, files, redirects): each status's answer. */
  raw?: Readonly<Record<number, RawAnswer>> | undefined;
  // NoInfer: R comes from the schema alone, so a handler whose result does not fit is an error
  handler(ctx: RouteContext<P, Q, B>): Promise<NoInfer<R> | RawResponse>;
}

/**
 * A response that is not JSON: a public page, an image, a redirect. The server sends it as it is
 * (status, headers, body) instead of serialising the handler's result.
 */
export class RawResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: string | Buffer | NodeJS.ReadableStream,
  ) {}
}

/**
 * Headers of our own server-rendered pages (unsubscribe, manage subscriptions, errors): no script
 * at all, forms only to ourselves, never framed by another site.
 */
export const pageSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * Headers of every response that shows a mailing's own HTML (view online, the outbox view, the
 * HTML preview, the UI's content frames). The content is hostile: whoever may edit mailings
 * writes it. `sandbox` without `allow-scripts`/`allow-same-origin` makes it a unique origin that
 * runs nothing and reaches none of our cookies; links still open (popups escape the sandbox so the
 * target page works normally). Images and styles may load from anywhere, as in a mail client.
 */
export const mailingContentSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation; default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; img-src * data:; style-src 'unsafe-inline' *; font-src * data:; frame-ancestors 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The answer of an HTML page of ours (or of a mailing's own HTML). */
export const htmlAnswer = (description: string): RawAnswer => ({ description, mediaTypes: ['text/html'] });

/** An HTML page of ours with its status. */
export function htmlResponse(status: number, html: string): RawResponse {
  return new RawResponse(
    status,
    { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...pageSecurityHeaders },
    html,
  );
}

/** A mailing's own HTML (hostile content), served so that nothing in it can run. */
export function mailingContentResponse(html: string): RawResponse {
  return new RawResponse(
    200,
    {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store, private',
      ...mailingContentSecurityHeaders,
    },
    html,
  );
}

/** Declares a route; the generic parameters are inferred from the zod schemas. */
export function route<P = unknown, Q = unknown, B = unknown, R = unknown>(
  def: RouteDefinition<P, Q, B, R>,
): RouteDefinition {
  return def as unknown as RouteDefinition;
}

/** `:id` path parameters. */
export const idParams = z.object({ id: z.coerce.number().int().positive() });

/** `?limit=&offset=&q=` (PRODUCT.md §16). */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  q: z.string().trim().max(200).optional(),
});
