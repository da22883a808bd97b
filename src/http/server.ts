import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import {
  createJsonSchemaTransformObject,
  hasZodFastifySchemaValidationErrors,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { ZodError } from 'zod';
import { type Actor, AppError, httpStatusByKind, isAppError, type Logger } from '../core/index.js';
import type { Services } from '../services.js';
import { notFoundPage } from './pages.js';
import {
  defaultResponseCheck,
  documentTransform,
  type ResponseCheck,
  responseSchemas,
  responseSerializerCompiler,
  withoutUnusedComponents,
} from './responses.js';
import { RawResponse, type RouteDefinition } from './route.js';
import { SESSION_COOKIE, unauthenticated } from './routes/access.routes.js';
import { routeTable } from './routes/index.js';

export interface ServerOptions {
  dataDir: string;
  bodyLimitBytes: number;
  importMaxBytes: number;
  /** Total attachment bytes per e-mail mailing (default 25 MiB). */
  attachmentMaxBytes?: number | undefined;
  /** Largest library image (default 5 MiB). */
  imageMaxBytes?: number | undefined;
  loginRatePerMinute: number;
  logLevel: string;
  publicUrl: string;
  /** Where staff use the UI and API (default: the public URL): the origin the CSRF check accepts. */
  adminUrl?: string | undefined;
  version: string;
  /** POSTHORN_TRUST_PROXY: whose X-Forwarded-For/-Proto to believe (default: nobody's). */
  trustProxy?: boolean | number | string[] | undefined;
  /** The process's logger (app.ts); without one, a logger of `logLevel` on `logStream`. */
  logger?: Logger | undefined;
  /** Where JSON logs go (the app passes stderr, so stdout stays for command output). */
  logStream?: NodeJS.WritableStream | undefined;
  /**
   * What an answer that does not fit its response schema does: `strict` fails it (500, the
   * tests), `lenient` logs it and sends it (production). Default: strict under the test runner.
   */
  responseCheck?: ResponseCheck | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    posthorn: {
      dataDir: string;
      importMaxBytes: number;
      attachmentMaxBytes: number;
      imageMaxBytes: number;
      publicUrl: string;
      metrics: Registry;
    };
  }
  interface FastifyContextConfig {
    /** Each response status's description in the API document (responses.ts). */
    responseDescriptions?: Record<string, string>;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** The request body as received (JSON and text bodies), for signature checks. */
    rawBody?: string;
  }
}

/**
 * Builds the HTTP server over the services. It never listens: `app.ts` does, tests use `inject()`.
 * Every route comes from the route table and is guarded by its declared right.
 */
export async function buildServer(services: Services, options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger
      ? // the pino logger is Fastify's own kind; its wider type is narrowed to what Fastify keeps
        { loggerInstance: options.logger as FastifyBaseLogger }
      : {
          logger:
            options.logLevel === 'silent'
              ? false
              : { level: options.logLevel, ...(options.logStream ? { stream: options.logStream } : {}) },
        }),
    bodyLimit: options.bodyLimitBytes,
    // behind a reverse proxy the client address (login rate limit) and https (Secure cookies)
    // come from X-Forwarded-*, but only from the proxies the admin named
    trustProxy:
      typeof options.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(options.trustProxy)
        : (options.trustProxy ?? false),
    // a URL that does not even decode: a public page is simply not found, the API says why
    frameworkErrors: (error, request, frameworkReply) => {
      const reply = frameworkReply as unknown as FastifyReply;
      if (request.url.startsWith('/t/'))
        return void reply.status(404).type('text/html; charset=utf-8').send(notFoundPage);
      return void reply.status(400).send({ error: { code: 'BAD_URL', message: error.message, details: {} } });
    },
    // a line per request only when debugging: tracking endpoints would otherwise flood the log
    logController: new LogController({
      disableRequestLogging: options.logLevel !== 'debug' && options.logLevel !== 'trace',
    }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(
    responseSerializerCompiler(options.responseCheck ?? defaultResponseCheck(), app.log),
  );

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'posthorn_' });
  const requests = new Counter({
    name: 'posthorn_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [metrics],
  });
  const duration = new Histogram({
    name: 'posthorn_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [metrics],
  });
  app.decorate('posthorn', {
    dataDir: options.dataDir,
    importMaxBytes: options.importMaxBytes,
    attachmentMaxBytes: options.attachmentMaxBytes ?? 26_214_400,
    imageMaxBytes: options.imageMaxBytes ?? 5_242_880,
    publicUrl: options.publicUrl,
    metrics,
  });
  app.decorateRequest('actor', null);
  // the labelled children are kept per route and status: the tracking endpoints answer thousands
  // of requests a second, and prom-client hashes the label object on every call otherwise
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(v: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const routeUrl = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${routeUrl}`;
    const status = String(reply.statusCode);
    let c = counters.get(`${key} ${status}`);
    if (!c) {
      c = requests.labels(request.method, routeUrl, status);
      counters.set(`${key} ${status}`, c);
    }
    c.inc();
    let t = timers.get(key);
    if (!t) {
      t = duration.labels(request.method, routeUrl);
      timers.set(key, t);
    }
    t.observe(reply.elapsedTime / 1000);
    done();
  });

  // JSON as before, and the body as it came (bounce webhooks sign the exact bytes)
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    // most clients send `Content-Type: application/json` on a DELETE or POST without a body
    if ((body as string).trim() === '') return done(null, undefined);
    json(request, body as string, done);
  });
  // form posts of the public pages and RFC 8058 one-click unsubscribe (`List-Unsubscribe=One-Click`)
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 65_536 },
    (_request, body, done) => {
      const form: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(body as string)) {
        const before = form[k];
        form[k] = before === undefined ? v : Array.isArray(before) ? [...before, v] : [before, v];
      }
      done(null, form);
    },
  );
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(multipart, { limits: { fileSize: options.importMaxBytes, files: 1, fields: 20 } });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Posthorn API',
        version: options.version,
        description:
          'Self-hosted mailing system. Authenticate with "Authorization: Bearer <API key>" or the session cookie.',
      },
      servers: [{ url: options.adminUrl ?? options.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
    },
    // each route's zod schemas become its JSON schemas; schemas named with `.meta({ id })` (the
    // recursive selection criterion, shared shapes) are referenced there and described once under
    // components.schemas (`<id>Input` for request schemas) by the object transform, in the same
    // OpenAPI 3.0 dialect as the routes' schemas (an unnamed recursive schema left a dangling $ref);
    // raw answers (pages, files) keep their media types
    transform: documentTransform,
    transformObject: (input) =>
      withoutUnusedComponents(
        createJsonSchemaTransformObject({ zodToJsonConfig: { target: 'openapi-3.0' } })(input),
      ),
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });

  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    // the public pages answer as pages: a token too long for a path parameter is simply not found
    if (request.url.startsWith('/t/'))
      return void reply.status(404).type('text/html; charset=utf-8').send(notFoundPage);
    void reply.status(404).send({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0]}`,
        details: {},
      },
    });
  });

  // no response of ours is to be read as another type than it says (an upload served as HTML…)
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    done();
  });

  // the staff's origin; when public pages have their own host name, that one is not ours to write
  const ownOrigin = new URL(options.adminUrl ?? options.publicUrl).origin;
  for (const def of routeTable) registerRoute(app, services, def, options, ownOrigin);
  await registerWebUi(app);
  return app;
}

// ---- the web UI (web/, built by `npm run build:web` into dist/web) ----

/** dist/web from both src/http (tsx) and dist/http (built). */
const webRoot = join(import.meta.dirname, '..', '..', 'dist', 'web');
/** Paths that are never the UI's: the API, public pages, media, hooks, health, metrics. */
const notUiPaths = ['/api', '/t', '/f', '/media', '/hooks', '/healthz', '/metrics'];
/** The UI's pages run only their own script files; Mantine sets inline styles. */
const uiCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');
const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Posthorn</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5"><h1>Posthorn</h1><p>The web interface is not built in this checkout. Run <code>npm run build:web</code> (or <code>npm run dev:web</code> while working on it) and reload.</p><p>The API works meanwhile: <a href="/api/docs">API docs</a>.</p></body></html>`;

/**
 * Serves the single-page UI: `/assets/*` (file names carry a content hash, so cached for good),
 * and `index.html` (never cached, strict CSP) for every other GET without a file extension
 * outside the API and the public paths, so a deep link like /mailings?q=x opens its screen.
 * Everything else still gets the not-found answer of its kind.
 */
async function registerWebUi(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: join(webRoot, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    redirect: false,
    dotfiles: 'deny',
    cacheControl: true,
    maxAge: '365d',
    immutable: true,
  });
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = (request.url.split('?')[0] ?? '/').split('#')[0] ?? '/';
    const last = path.slice(path.lastIndexOf('/') + 1);
    if (notUiPaths.some((p) => path === p || path.startsWith(`${p}/`)) || last.includes('.'))
      return reply.callNotFound();
    const html = await readFile(join(webRoot, 'index.html')).catch(() => null);
    return reply
      .status(html ? 200 : 503)
      .headers({
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': uiCsp,
        'referrer-policy': 'same-origin',
      })
      .send(html ?? notBuiltPage);
  });
}

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The body media types a route takes (null: any, for the public pages outside `/api`). */
function acceptedMediaTypes(def: RouteDefinition): Set<string> | null {
  if (!def.url.startsWith('/api/')) return null;
  return new Set([
    'application/json',
    ...(def.multipart ? ['multipart/form-data'] : []),
    ...(def.alsoAccepts ?? []),
  ]);
}

/** A 415 when a request carries a body of a media type the route does not take. */
function checkMediaType(request: FastifyRequest, accepted: Set<string>): void {
  const length = request.headers['content-length'];
  const hasBody =
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return;
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!accepted.has(type))
    throw new AppError(
      'unsupportedMediaType',
      'UNSUPPORTED_MEDIA_TYPE',
      `content type ${type === '' ? '(none)' : type} is not accepted here: send ${[...accepted].join(' or ')}`,
      { accepted: [...accepted] },
    );
}

/**
 * Where a browser request comes from. `cross` when the browser says another site or origin sent it
 * (Sec-Fetch-Site, else Origin); `same` when it proves our own origin (Sec-Fetch-Site same-origin,
 * an Origin of ours, or the `X-Posthorn-CSRF` header, which a cross-origin page cannot set without
 * a CORS preflight that we never answer); `unknown` otherwise (a non-browser client).
 */
function requestOrigin(request: FastifyRequest, ownOrigin: string): 'same' | 'cross' | 'unknown' {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'cross';
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== ownOrigin && origin !== `${request.protocol}://${request.host}`)
    return 'cross';
  if (site === 'same-origin' || origin !== undefined || request.headers['x-posthorn-csrf'] !== undefined)
    return 'same';
  return 'unknown';
}

const csrfRefused = () =>
  new AppError(
    'forbidden',
    'CSRF_REFUSED',
    'a request that changes something with the session cookie must come from Posthorn itself (same origin, or the X-Posthorn-CSRF header); API clients use an API key',
  );

function registerRoute(
  app: FastifyInstance,
  services: Services,
  def: RouteDefinition,
  options: ServerOptions,
  ownOrigin: string,
): void {
  const accepted = acceptedMediaTypes(def);
  const changes = stateChanging.has(def.method);
  const limit = def.rateLimitPerMinute === -1 ? options.loginRatePerMinute : def.rateLimitPerMinute;
  const { response, descriptions } = responseSchemas(def, def.status ?? 200, limit !== undefined);
  app.route({
    method: def.method,
    url: def.url,
    schema: {
      summary: def.summary,
      tags: [def.tag],
      ...(def.access === 'public' ? {} : { security: [{ apiKey: [] }, { session: [] }] }),
      ...(def.params ? { params: def.params } : {}),
      ...(def.query ? { querystring: def.query } : {}),
      ...(def.body && !def.multipart ? { body: def.body } : {}),
      ...(def.multipart ? { consumes: ['multipart/form-data'] } : {}),
      response,
    },
    config: {
      // read by the document transform (responses.ts)
      responseDescriptions: descriptions,
      ...(limit === undefined ? {} : { rateLimit: { max: limit, timeWindow: '1 minute' } }),
    },
    // the media type and authentication are checked first, before the body is read or validated;
    // a refused request has changed nothing
    // (the public pages outside /api have no hook at all: the tracking path is the hottest one)
    ...(def.access === 'public' && accepted === null
      ? {}
      : {
          onRequest: async (request: FastifyRequest) => {
            if (accepted) checkMediaType(request, accepted);
            if (def.access === 'public') {
              // logging in from another site (login CSRF) is refused too; webhooks send no Origin
              if (
                changes &&
                def.url === '/api/v1/auth/login' &&
                requestOrigin(request, ownOrigin) === 'cross'
              )
                throw csrfRefused();
              return;
            }
            const byCookie = request.headers.authorization === undefined;
            const actor = await authenticate(services, request);
            if (actor === null) throw unauthenticated();
            // the cookie rides along on any request a browser makes; an API key never does
            if (byCookie && changes && requestOrigin(request, ownOrigin) !== 'same') throw csrfRefused();
            if (def.access !== 'authenticated' && !actor.rights.has(def.access)) {
              throw new AppError('forbidden', 'FORBIDDEN', `this needs the right "${def.access}"`, {
                right: def.access,
              });
            }
            request.actor = actor;
          },
        }),
    handler: async (request, reply) => {
      const result = await def.handler({
        actor: request.actor ?? {
          kind: 'system',
          label: 'anonymous',
          userId: null,
          apiKeyId: null,
          rights: new Set(),
        },
        params: request.params,
        query: request.query,
        body: request.body,
        services,
        request,
        reply,
      });
      if (result instanceof RawResponse)
        return reply.status(result.status).headers(result.headers).send(result.body);
      const status = def.status ?? 200;
      if (status === 204) return reply.status(204).send();
      return reply.status(status).send(result);
    },
  });
}

async function authenticate(services: Services, request: FastifyRequest): Promise<Actor | null> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1] ? services.access.authenticateApiKey(match[1]) : null;
  }
  const sid = request.cookies[SESSION_COOKIE];
  return sid ? services.access.authenticateSession(sid) : null;
}

/** Maps every error to `{ error: { code, message, details } }` with the status of its kind. */
function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const send = (status: number, code: string, message: string, details: Record<string, unknown> = {}) =>
    reply.status(status).send({ error: { code, message, details } });
  if (isAppError(error)) return send(httpStatusByKind[error.kind], error.code, error.message, error.details);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    const issues = error.validation.map((v) => {
      const path = v.instancePath.replace(/^\//, '').split('/').filter(Boolean);
      // an unknown member: the provider spreads zod's issue into params, so its keys are there
      const raw = (v.params as { keys?: unknown } | undefined)?.keys;
      const keys = Array.isArray(raw) ? raw.map(String) : undefined;
      const field = [...path, ...(keys && keys.length === 1 ? keys : [])].join('.') || where;
      return { field, message: v.message ?? 'invalid', ...(keys ? { unknownFields: keys } : {}) };
    });
    const first = issues[0];
    // the field as the client wrote it (`name: Too small…`); `body: …` when the body as a whole
    // is wrong; where it was (body, query, params) is in details.in
    return send(400, 'VALIDATION_FAILED', first ? `${first.field}: ${first.message}` : `invalid ${where}`, {
      in: where,
      issues,
    });
  }
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    return send(
      400,
      'VALIDATION_FAILED',
      `${issues[0]?.field ?? 'input'}: ${issues[0]?.message ?? 'invalid'}`,
      { issues },
    );
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return send(400, 'INVALID_JSON', `the request body is not valid JSON: ${error.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send(
        413,
        'BODY_TOO_LARGE',
        `the request body is larger than ${request.server.initialConfig.bodyLimit} bytes`,
      );
    case 'FST_REQ_FILE_TOO_LARGE':
      return send(413, 'IMPORT_FILE_TOO_LARGE', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `content type ${request.headers['content-type'] ?? '(none)'} is not accepted here`,
      );
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return send(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the file as multipart/form-data');
    default:
      break;
  }
  if (error.statusCode === 429) return send(429, 'RATE_LIMITED', 'too many requests; try again in a minute');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return send(error.statusCode, error.code ?? 'BAD_REQUEST', error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return send(500, 'INTERNAL', 'an unexpected error happened; it is in the server log');
}
