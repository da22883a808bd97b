import { z } from 'zod';
import { Timestamp } from './common.js';

/**
 * Answers of the import routes: the report of an import (src/crm/import `ImportReport`) and the
 * stored import job that keeps it.
 */

export const importInvalidRowSchema = z
  .object({
    line: z.number().int(),
    field: z.string(),
    value: z.string(),
    reason: z.string(),
    action: z.enum(['valueSkipped', 'rowSkipped']),
  })
  .meta({ id: 'ImportInvalidRow', description: 'A value or row the import skipped, and why' });

export const importReportSchema = z
  .object({
    importId: z.number().int(),
    dryRun: z.boolean(),
    format: z.enum(['csv', 'xlsx']),
    encoding: z.string().nullable(),
    delimiter: z.string().nullable(),
    /** One entry per column of the file, in order: the field it fills, or null when ignored. */
    columns: z.array(z.object({ header: z.string(), field: z.string().nullable() })),
    ignoredColumns: z.array(z.string()),
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    /** Entries of `invalid`, all of them: `rowsSkipped` + `valuesSkipped`. */
    invalidCount: z.number().int(),
    rowsSkipped: z.number().int(),
    valuesSkipped: z.number().int(),
    /** What was skipped, in file order; at most 10,000 entries (see `invalidTruncated`). */
    invalid: z.array(importInvalidRowSchema),
    invalidTruncated: z.boolean(),
    companiesCreated: z.number().int(),
    durationMs: z.number().int(),
  })
  .meta({ id: 'ImportReport', description: 'What an import did (or, in a dry run, would do)' });

export const importJobSchema = z
  .object({
    id: z.number().int(),
    fileName: z.string(),
    dryRun: z.boolean(),
    status: z.enum(['running', 'finished', 'failed']),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    invalidCount: z.number().int(),
    /** The actor's label, as in the audit log. */
    createdBy: z.string(),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    // while the import runs the stored report is still empty
    report: z.union([
      importReportSchema.extend({
        /** Why a failed import stopped. */
        error: z.string().optional(),
      }),
      z.strictObject({}),
    ]),
  })
  .meta({ id: 'ImportJob', description: 'A stored import with its report' });
