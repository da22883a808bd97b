import { sql } from 'kysely';
import { AppError } from '../../core/index.js';
import { route } from '../route.js';
import { HealthSchema, OpenApiDocument, type OpenApiDocumentInput } from '../schemas/system.js';

export const systemRoutes = [
  route({
    method: 'GET',
    url: '/healthz',
    access: 'public',
    tag: 'system',
    summary: 'Health: 200 when the database answers',
    response: HealthSchema,
    handler: async ({ services, request }) => {
      try {
        await sql`select 1`.execute(services.db);
      } catch (e) {
        // public: the driver's message (host names, users) goes to the log, not to the caller
        request.log.error({ err: e }, 'health check: the database does not answer');
        throw new AppError('unavailable', 'DATABASE_UNAVAILABLE', 'the database does not answer');
      }
      return { status: 'ok' as const, database: services.capabilities.engine };
    },
  }),
  route({
    method: 'GET',
    url: '/metrics',
    access: 'public',
    tag: 'system',
    summary: 'Prometheus metrics',
    raw: { 200: { description: 'Prometheus text exposition', mediaTypes: ['text/plain'] } },
    handler: async ({ request, reply }) => {
      const registry = request.server.posthorn.metrics;
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  }),
  route({
    method: 'GET',
    url: '/api/v1/openapi.json',
    access: 'public',
    tag: 'system',
    summary: 'The OpenAPI document of this API',
    response: OpenApiDocument,
    // swagger() is typed as the union of the Swagger 2 and OpenAPI 3 documents; this server builds
    // an OpenAPI 3 one, which the schema describes loosely (every member passes through)
    handler: async ({ request }) => request.server.swagger() as unknown as OpenApiDocumentInput,
  }),
];
