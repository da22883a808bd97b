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

export interface RouteDefinition<P = unknown, Q = unknown, B = unknown> {
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
  /** Requests per minute per client IP (login). */
  rateLimitPerMinute?: number | undefined;
  /** Status of a successful response (default 200; 201 for creations, 204 without body). */
  status?: number | undefined;
  handler(ctx: RouteContext<P, Q, B>): Promise<unknown>;
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

/** An HTML page with its status. */
export function htmlResponse(status: number, html: string): RawResponse {
  return new RawResponse(
    status,
    { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    html,
  );
}

/** Declares a route; the generic parameters are inferred from the zod schemas. */
export function route<P = unknown, Q = unknown, B = unknown>(def: RouteDefinition<P, Q, B>): RouteDefinition {
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
