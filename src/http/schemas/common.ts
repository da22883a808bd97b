import { z } from 'zod';

/**
 * Shapes every area's response schemas share. The answers are described as the handlers produce
 * them (the domain's TypeScript types are the truth); timestamps are epoch milliseconds, ids integers.
 */

/** Every error answer of the API: `{ error: { code, message, details } }` (server.ts `sendError`). */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z
        .string()
        .meta({ description: 'Stable code to branch on (VALIDATION_FAILED, MAILING_NOT_FOUND, …)' }),
      message: z.string().meta({ description: 'What went wrong, for a person' }),
      details: z.record(z.string(), z.unknown()).meta({
        description:
          'The field, value or limit concerned; VALIDATION_FAILED gives `in` and `issues: [{ field, message, unknownFields? }]`',
      }),
    }),
  })
  .meta({ id: 'Error', description: 'An error answer' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A database id. */
export const Id = z.number().int().positive();

/** A timestamp as the API writes it: milliseconds since the epoch (UTC). */
export const Timestamp = z.number().int().meta({ description: 'Milliseconds since 1970-01-01 UTC' });

/** `{ id, name }`: a reference to a named thing. */
export const Named = z.object({ id: Id, name: z.string() }).meta({ id: 'Named' });

/**
 * The list envelope of the API (core `Page<T>`): one page of `items` and the `total` matching the
 * query (not the page's length). Lists that are not paged answer the same envelope.
 */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int().min(0) });
}

/** `{ items }` without a total: the lists some routes answer whole (steps, audit findings, …). */
export function itemsOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}
