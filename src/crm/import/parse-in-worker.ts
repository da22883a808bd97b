import { Worker } from 'node:worker_threads';
import { AppError, type ErrorKind } from '../../core/index.js';
import type { ParseJob, ParseMessage } from './parse-worker.js';

type Batch = Extract<ParseMessage, { type: 'batch' }>;

function resolveTsx(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return 'tsx/esm/api';
  }
}

/**
 * Runs the parse worker and yields its batches in order. Each batch taken acknowledges one, so
 * the worker stays at most `job.window` batches ahead. Under a TypeScript runner (tests, tsx) the
 * worker loads the .ts source through tsx; in the built package, the compiled .js.
 */
/**
 * Parsing makes many short-lived objects; a 32 MB young generation (instead of ~16 MB) halves the
 * worker's garbage-collection time in the 1M-row benchmark.
 */
const resourceLimits = { maxYoungGenerationSizeMb: 32 };

export async function* parseInWorker(job: ParseJob): AsyncGenerator<Batch> {
  const source = import.meta.url.endsWith('.ts');
  const url = new URL(source ? './parse-worker.ts' : './parse-worker.js', import.meta.url);
  const worker = source
    ? // TypeScript sources (tests, benchmarks): register tsx inside the worker, then load the entry
      new Worker(
        `import(${JSON.stringify(resolveTsx())}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData: job, resourceLimits },
      )
    : new Worker(url, { workerData: job, resourceLimits });
  const queue: ParseMessage[] = [];
  let wake: (() => void) | null = null;
  let exited = false;
  let failure: Error | null = null;
  worker.on('message', (m: ParseMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (e) => {
    failure = e;
    wake?.();
  });
  worker.on('exit', () => {
    exited = true;
    wake?.();
  });
  try {
    for (;;) {
      const m = queue.shift();
      if (m === undefined) {
        if (failure !== null) throw failure;
        if (exited) throw new AppError('internal', 'IMPORT_FAILED', 'the import parser stopped unexpectedly');
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      if (m.type === 'done') return;
      if (m.type === 'error')
        throw new AppError(m.error.kind as ErrorKind, m.error.code, m.error.message, m.error.details);
      yield m;
      worker.postMessage({ type: 'ack' });
    }
  } finally {
    await worker.terminate();
  }
}
