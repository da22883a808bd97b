import type { FastifyBaseLogger } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/index.js';
import type { RawAnswer, RouteDefinition } from './route.js';
import { ErrorBody } from './schemas/common.js';

/**
 * Response schemas at run time and in the API document (docs/decisions/0010-response-schemas.md).
 *
 * - `strict` (the tests): an answer that does not fit its schema, or carries a key the schema does
 *   not declare, is a 500 `RESPONSE_SCHEMA_MISMATCH` naming the route and the paths, so a test
 *   that calls the route fails on it.
 * - `lenient` (production): undeclared keys are dropped silently (they never leave the server);
 *   an answer that does not fit is logged as an error and sent as the handler made it, so a schema
 *   mistake never becomes an outage.
 */
export type ResponseCheck = 'strict' | 'lenient';

/** The mode when the server's options do not say: strict under the test runner. */
export const defaultResponseCheck = (): ResponseCheck =>
  process.env.VITEST !== undefined || process.env.NODE_ENV === 'test' ? 'strict' : 'lenient';

type ResponseEntry = z.ZodType | Record<string, unknown>;

/** Why each error status can happen, for the API document. */
const errorDescriptions = {
  400: 'The request is invalid (VALIDATION_FAILED names the field) or refused as it stands',
  401: 'No valid credentials (UNAUTHENTICATED)',
  403: 'The credentials lack the right the route needs (FORBIDDEN), or CSRF_REFUSED',
  404: 'The thing named in the path does not exist',
  413: 'The body or file is larger than allowed',
  415: 'The body has a media type the route does not take',
  429: 'Too many requests from this client (RATE_LIMITED)',
  '4xx': 'Another refusal (409 conflict with the current state, 410 gone, …)',
  '5xx': 'The server failed (INTERNAL, details in its log) or the database is unavailable',
} as const;

/** A non-JSON answer as an OpenAPI response: its media types, or no content (a redirect). */
function rawEntry(answer: RawAnswer): Record<string, unknown> {
  const headers = answer.headers
    ? Object.fromEntries(
        Object.entries(answer.headers).map(([name, description]) => [name, { type: 'string', description }]),
      )
    : undefined;
  const types = answer.mediaTypes ?? [];
  if (types.length === 0)
    return { type: 'null', description: answer.description, ...(headers ? { headers } : {}) };
  return {
    description: answer.description,
    ...(headers ? { headers } : {}),
    content: Object.fromEntries(
      types.map((type) => [
        type,
        {
          schema:
            type.startsWith('text/') || type === 'application/json'
              ? { type: 'string' }
              : { type: 'string', format: 'binary' },
        },
      ]),
    ),
  };
}

/**
 * The `schema.response` of a route: its success answer (JSON schema, raw media types, or no
 * content), and the shared `Error` shape for every error status the route's declaration makes
 * possible, plus 4xx/5xx for the rest.
 */
export function responseSchemas(
  def: RouteDefinition,
  status: number,
  rateLimited: boolean,
): { response: Record<string, ResponseEntry>; descriptions: Record<string, string> } {
  const response: Record<string, ResponseEntry> = {};
  const descriptions: Record<string, string> = {};
  if (def.raw) {
    for (const [code, answer] of Object.entries(def.raw)) response[code] = rawEntry(answer);
  } else if (status === 204) {
    response[204] = { type: 'null', description: 'Done; no content' };
  } else if (def.response) {
    response[status] = def.response;
    descriptions[status] = status === 201 ? 'Created' : status === 202 ? 'Accepted' : 'OK';
  }
  const api = def.url.startsWith('/api/');
  const codes: Array<keyof typeof errorDescriptions> = [];
  if (def.params || def.query || def.body || def.multipart || def.alsoAccepts) codes.push(400);
  if (def.access !== 'public') codes.push(401, 403);
  if (def.url.includes(':')) codes.push(404);
  if (def.multipart || def.alsoAccepts?.includes('multipart/form-data')) codes.push(413);
  if (api && def.method !== 'GET') codes.push(415);
  // the public pages answer their refusals as pages (declared in `raw`), not as JSON
  const pages = Object.keys(def.raw ?? {}).some((code) => code.startsWith('4'));
  if (!pages) codes.push('4xx');
  if (rateLimited) codes.push(429);
  codes.push('5xx');
  for (const code of codes) {
    if (response[code] !== undefined) continue;
    response[code] = ErrorBody;
    descriptions[code] = errorDescriptions[code];
  }
  return { response, descriptions };
}

/** Paths of the keys the answer has and its parsed form lost (keys the schema does not declare). */
export function undeclaredKeys(input: unknown, output: unknown, path = '', found: string[] = []): string[] {
  if (found.length >= 10 || input === null || typeof input !== 'object' || output === null) return found;
  if (typeof output !== 'object') return found;
  if (Array.isArray(input)) {
    if (Array.isArray(output))
      input.forEach((v, i) => {
        undeclaredKeys(v, output[i], `${path}[${i}]`, found);
      });
    return found;
  }
  const proto = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) return found;
  const out = output as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const at = path === '' ? key : `${path}.${key}`;
    if (!(key in out)) found.push(at);
    else undeclaredKeys(value, out[key], at, found);
  }
  return found;
}

const issuePaths = (error: z.ZodError) =>
  error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));

/**
 * Fastify's serializer compiler over the routes' response schemas. A schema that is not zod (the
 * documentation of a raw answer, whose body Fastify never serialises) is plain JSON.stringify.
 */
export function responseSerializerCompiler(check: ResponseCheck, log: FastifyBaseLogger) {
  return ({
    schema,
    method,
    url,
    httpStatus,
  }: {
    schema: unknown;
    method: string;
    url: string;
    httpStatus?: string;
  }) => {
    if (!(schema instanceof z.ZodType)) return (data: unknown) => JSON.stringify(data);
    const route = `${method} ${url}`;
    return (data: unknown): string => {
      const result = schema.safeParse(data);
      if (result.success) {
        if (check === 'strict') {
          const extra = undeclaredKeys(data, result.data);
          if (extra.length > 0)
            throw new AppError(
              'internal',
              'RESPONSE_SCHEMA_MISMATCH',
              `${route} (${httpStatus}) answered keys its schema does not declare: ${extra.join(', ')}`,
              { route, status: httpStatus, undeclared: extra },
            );
        }
        return JSON.stringify(result.data);
      }
      const issues = issuePaths(result.error);
      if (check === 'strict')
        throw new AppError(
          'internal',
          'RESPONSE_SCHEMA_MISMATCH',
          `${route} (${httpStatus}) answered what its schema does not allow: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
          { route, status: httpStatus, issues },
        );
      // the paths and messages only: the values may be personal data
      log.error({ route, status: httpStatus, issues }, 'response does not match its schema; sent as it is');
      return JSON.stringify(data);
    };
  };
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/**
 * The swagger transform: the provider's (zod → JSON Schema) for the zod entries, the raw answers'
 * plain entries as they are, and each status's description from the route's config.
 */
export function documentTransform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const schema = input.schema as Record<string, unknown> | undefined;
  const response = schema?.response as Record<string, ResponseEntry> | undefined;
  if (!schema || !response) return jsonSchemaTransform(input);
  const zodEntries: Record<string, z.ZodType> = {};
  const plain: Record<string, unknown> = {};
  for (const [code, entry] of Object.entries(response)) {
    if (entry instanceof z.ZodType) zodEntries[code] = entry;
    else plain[code] = entry;
  }
  const out = jsonSchemaTransform({
    ...input,
    schema: { ...schema, response: zodEntries },
  } as TransformInput);
  const transformed = out.schema as Record<string, unknown>;
  if (transformed.hide) return out;
  const descriptions =
    ((input as { route?: { config?: { responseDescriptions?: Record<string, string> } } }).route?.config
      ?.responseDescriptions as Record<string, string> | undefined) ?? {};
  const documented: Record<string, unknown> = {};
  for (const [code, entry] of Object.entries((transformed.response as Record<string, object>) ?? {}))
    documented[code] = !descriptions[code]
      ? entry
      : // swagger reads a reference's description beside the $ref (its target replaces it), an
        // inline schema's from this key, which it then drops (`description` would stay in the schema)
        '$ref' in entry
        ? { ...entry, description: descriptions[code] }
        : { ...entry, 'x-response-description': descriptions[code] };
  return { ...out, schema: { ...transformed, response: { ...documented, ...plain } } };
}

/**
 * Drops the components no path refers to, directly or through other components: zod's registry is
 * global, and the provider writes every named schema twice (`X` for answers, `XInput` for
 * requests), so each answer's shape had a request twin nothing used.
 */
export function withoutUnusedComponents<
  T extends { paths?: unknown; components?: { schemas?: Record<string, unknown> } },
>(document: T): T {
  const schemas = document.components?.schemas;
  if (!schemas) return document;
  const refs = (value: unknown): string[] =>
    [...JSON.stringify(value ?? null).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? '');
  const used = new Set<string>();
  const queue = refs(document.paths);
  while (queue.length > 0) {
    const name = queue.pop() ?? '';
    if (used.has(name)) continue;
    used.add(name);
    queue.push(...refs(schemas[name]));
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, components: { ...document.components, schemas: kept } };
}
