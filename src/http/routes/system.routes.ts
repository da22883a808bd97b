import { sql } from 'kysely';
import { AppError } from '../../core/index.js';
import { route } from '../route.js';

export const systemRoutes = [
  route({
    method: 'GET',
    url: '/healthz',
    access: 'public',
    tag: 'system',
    summary: 'Health: 200 when the database answers',
    handler: async ({ services, request }) => {
      try {
        await sql`select 1`.execute(services.db);
      } catch (e) {
        // public: the driver's message (host names, users) goes to the log, not to the caller
        request.log.error({ err: e }, 'health check: the database does not answer');
        throw new AppError('unavailable', 'DATABASE_UNAVAILABLE', 'the database does not answer');
      }
      return { status: 'ok', database: services.capabilities.engine };
    },
  }),
  route({
    method: 'GET',
    url: '/metrics',
    access: 'public',
    tag: 'system',
    summary: 'Prometheus metrics',
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
    handler: async ({ request }) => request.server.swagger(),
  }),
];
