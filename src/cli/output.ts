// the errors module alone, not the core barrel: this file loads with `posthorn --help`
// biome-ignore lint/style/noRestrictedImports: `posthorn --help` loads no heavy module; core's index brings pino and zod
import { type AppError, exitCodeByKind, isAppError } from '../core/errors.js';

/** Where a command writes: humans get text, `--json` gets one JSON document on stdout. */
export interface Output {
  json: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Prints the result: the JSON document, or the human text. */
  result(data: unknown, human: string): void;
}

export function makeOutput(
  json: boolean,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Output {
  return {
    json,
    out: (text) => void stdout.write(`${text}\n`),
    err: (text) => void stderr.write(`${text}\n`),
    result(data, human) {
      if (json) stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      else stdout.write(`${human}\n`);
    },
  };
}

/** Prints an error and returns the exit code for its kind (1 for anything unexpected). */
export function reportError(output: Output, error: unknown): number {
  if (isAppError(error)) {
    const e: AppError = error;
    if (output.json)
      output.out(
        JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } }, null, 2),
      );
    else output.err(`error: ${e.message} [${e.code}]`);
    return exitCodeByKind[e.kind];
  }
  const message = error instanceof Error ? error.message : String(error);
  if (output.json) output.out(JSON.stringify({ error: { code: 'INTERNAL', message, details: {} } }, null, 2));
  else output.err(`error: ${message}`);
  return 1;
}

/** A small text table. */
export function table(rows: Array<Array<string | number | null>>): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, String(c ?? '').length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((c, i) => String(c ?? '').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
