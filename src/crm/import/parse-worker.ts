import { parentPort, workerData } from 'node:worker_threads';
import { isAppError } from '../../core/index.js';
import type { ColumnMapping } from './columns.js';
import { openRowSource, type ReadOptions } from './reader.js';
import { type InvalidRow, type ParsedRow, RowParser, type TargetContext } from './rows.js';

/**
 * The parse worker: reads the file, validates every row and sends batches to the import, which
 * writes one batch while this thread parses the next (two cores, two stages). At most `window`
 * batches are unacknowledged, so memory stays flat however large the file.
 */
export interface ParseJob {
  file: string;
  read: ReadOptions;
  mapping: ColumnMapping;
  context: TargetContext;
  defaultCountry: string;
  batchSize: number;
  window: number;
}

export type ParseMessage =
  | {
      type: 'batch';
      rows: ParsedRow[];
      /** Skipped rows and values of this batch's rows, in file order. */
      invalid: InvalidRow[];
      rowsRead: number;
      bytesRead: number;
      /** The file's data rows, estimated (see RowSource.estimateRows). */
      totalRows: number;
    }
  | { type: 'done'; rowsRead: number; totalBytes: number }
  | {
      type: 'error';
      error: { kind: string; code: string; message: string; details: Record<string, unknown> };
    };

/** Runs a parse job, posting messages; `ack` resolves when the consumer has taken a batch. */
export async function runParseJob(
  job: ParseJob,
  post: (m: ParseMessage) => void,
  waitForRoom: () => Promise<void>,
): Promise<void> {
  try {
    const source = await openRowSource(job.file, job.read);
    const parser = new RowParser(job.mapping, job.context, job.defaultCountry);
    let rows: ParsedRow[] = [];
    let invalid: InvalidRow[] = [];
    let rowsRead = 0;
    let inBatch = 0;
    const flush = async () => {
      // the position and estimate as of this batch's last row, before waiting: the reader
      // goes on parsing ahead meanwhile
      const bytesRead = source.bytesRead();
      const totalRows = source.estimateRows();
      await waitForRoom();
      post({ type: 'batch', rows, invalid, rowsRead, bytesRead, totalRows });
      rows = [];
      invalid = [];
      inBatch = 0;
    };
    for await (const r of source.rows()) {
      rowsRead++;
      inBatch++;
      const parsed = parser.parse(r.line, r.values, invalid);
      if (parsed !== null) rows.push(parsed);
      if (inBatch >= job.batchSize) await flush();
    }
    if (inBatch > 0) await flush();
    post({ type: 'done', rowsRead, totalBytes: source.totalBytes });
  } catch (e) {
    post({
      type: 'error',
      error: isAppError(e)
        ? { kind: e.kind, code: e.code, message: e.message, details: e.details }
        : {
            kind: 'internal',
            code: 'IMPORT_FAILED',
            message: (e as Error).message ?? String(e),
            details: {},
          },
    });
  }
}

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'file' in workerData) {
  const port = parentPort;
  const job = workerData as ParseJob;
  let credits = job.window;
  let wake: (() => void) | null = null;
  port.on('message', (m: { type: 'ack' }) => {
    if (m.type === 'ack') {
      credits++;
      wake?.();
      wake = null;
    }
  });
  await runParseJob(
    job,
    (m) => port.postMessage(m),
    async () => {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
    },
  );
  port.close();
}
