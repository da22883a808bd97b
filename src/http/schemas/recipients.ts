import { z } from 'zod';
import { blockReasons } from '../../recipients/index.js';
import { Id, itemsOf, pageOf, Timestamp } from './common.js';

/**
 * Answers of the recipient routes of a mailing (src/recipients: `RecipientSource`, `Recipient`,
 * `RecipientSummary`, `FileSourceResult`).
 */

const blockReason = z.enum(blockReasons);
const countsByReason = z.partialRecord(blockReason, z.number().int());

export const RecipientSource = z
  .object({
    id: Id.nullable().meta({ description: 'Null for the source linked in Setup (change it in Setup)' }),
    kind: z.enum(['selection', 'project', 'persons', 'import']),
    origin: z.enum(['setup', 'added']),
    refId: Id.nullable(),
    label: z.string(),
    itemCount: z.number().int().meta({ description: 'Persons picked, or valid rows of a file' }),
    invalidCount: z.number().int().meta({ description: 'Rows of a file without a valid address' }),
    position: z.number().int(),
  })
  .meta({ id: 'RecipientSource', description: 'A recipient source of a mailing' });

export const FileRowProblem = z
  .object({ line: z.number().int(), field: z.string(), value: z.string(), reason: z.string() })
  .meta({ id: 'FileRowProblem' });

export const FileSourceResult = z
  .object({ source: RecipientSource, accepted: z.number().int(), invalid: z.array(FileRowProblem) })
  .meta({
    id: 'FileSourceResult',
    description: 'An uploaded recipient file: its source and the rows refused',
  });

/** `POST …/recipient-sources` answers a source (JSON) or the file's result (multipart upload). */
export const AddedSource = z.union([RecipientSource, FileSourceResult]);

export const RecipientRow = z
  .object({
    id: Id,
    kind: z.enum(['person', 'company', 'unregistered']),
    personId: Id.nullable(),
    companyId: Id.nullable(),
    name: z.string(),
    companyName: z.string().nullable(),
    address: z.string().nullable(),
    status: z.string(),
    reason: blockReason.nullable(),
    overridden: z.boolean().meta({ description: 'Blocked by the privacy filter but sent anyway' }),
    sourceId: Id.nullable(),
  })
  .meta({ id: 'RecipientRow', description: 'A row of the recipient list' });

export const RecipientSummary = z
  .object({
    total: z.number().int(),
    byStatus: z.record(z.string(), z.number().int()),
    byReason: countsByReason.meta({ description: 'Blocked rows per reason' }),
    overridden: countsByReason.meta({ description: 'Ready rows the privacy filter would have blocked' }),
    stale: z.boolean().meta({ description: 'The list no longer reflects the sources or options' }),
    builtAt: Timestamp.nullable(),
    building: z
      .object({ done: z.number().int(), total: z.number().int() })
      .optional()
      .meta({ description: 'A new list is being built; the counts are the old list’s meanwhile' }),
    buildError: z
      .object({ code: z.string(), message: z.string(), at: Timestamp })
      .optional()
      .meta({ description: 'The last background build failed: why' }),
  })
  .meta({ id: 'RecipientSummary', description: 'Counts per status and block reason' });

export const recipientSources = itemsOf(RecipientSource);
export const recipientPage = pageOf(RecipientRow);
