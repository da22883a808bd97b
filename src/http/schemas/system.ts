import { z } from 'zod';

/** Answers of the system routes: health and the API description. */

export const HealthSchema = z
  .object({ status: z.literal('ok'), database: z.enum(['sqlite', 'postgres']) })
  .meta({ id: 'Health' });

/**
 * The OpenAPI document itself: described as an object with the version and paths; every member
 * passes through (a loose object), so the serialiser keeps the whole document.
 */
export const OpenApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
export type OpenApiDocumentInput = z.input<typeof OpenApiDocument>;
