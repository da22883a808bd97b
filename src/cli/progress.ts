import type { ImportProgress } from '../crm/import/index.js';

/** Shows an import's progress while it runs. */
export interface ProgressView {
  update(p: ImportProgress): void;
  stop(): void;
}

const count = new Intl.NumberFormat('en-US');

/** "35 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Time left at the average rate so far; null before any row is done. */
export function timeLeftMs(p: ImportProgress, elapsedMs: number): number | null {
  if (p.rows === 0 || elapsedMs <= 0) return null;
  return (elapsedMs * (p.totalRows - p.rows)) / p.rows;
}

/** `imported 120,000 of ~1,000,000 rows (12%), 35 s left` — `~` while the total is an estimate. */
export function progressLine(verb: string, p: ImportProgress, elapsedMs: number): string {
  const exact = p.bytesRead >= p.totalBytes;
  const percent = p.totalRows === 0 ? 0 : Math.floor((100 * p.rows) / p.totalRows);
  const left = timeLeftMs(p, elapsedMs);
  return `${verb} ${count.format(p.rows)} of ${exact ? '' : '~'}${count.format(p.totalRows)} rows (${percent}%)${
    left === null ? '' : `, ${formatDuration(left)} left`
  }`;
}

/**
 * Plain lines, at most one every `intervalMs`, for a log or a pipe: a bar redrawn with carriage
 * returns would fill a log file with thousands of half-lines.
 */
export function plainProgress(
  write: (line: string) => void,
  options: { verb: string; intervalMs?: number; now?: () => number },
): ProgressView {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 5000;
  const started = now();
  let printed = started;
  return {
    update(p) {
      const t = now();
      if (t - printed < interval || p.rows >= p.totalRows) return;
      printed = t;
      write(progressLine(options.verb, p, t - started));
    },
    stop() {},
  };
}

/** The bar on a terminal: rows done of the (estimated) total, with the time left. */
export async function barProgress(stream: NodeJS.WriteStream, verb: string): Promise<ProgressView> {
  // loaded only by the command that shows it
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${verb} [{bar}] {percentage}% | {doneRows} of {totalRows} rows | {left}`,
      // (payload names of our own: cli-progress fills {value} and {total} itself, unformatted)
      stream,
      // the bar's own ETA restarts whenever the total changes; ours is the average rate so far
      etaBuffer: 1,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let total = 1;
  bar.start(total, 0, { doneRows: '0', totalRows: '…', left: '' });
  return {
    update(p) {
      const t = Math.max(1, p.totalRows);
      if (t !== total) {
        total = t;
        bar.setTotal(t);
      }
      const left = timeLeftMs(p, Date.now() - started);
      bar.update(p.rows, {
        doneRows: count.format(p.rows),
        totalRows: `${p.bytesRead >= p.totalBytes ? '' : '~'}${count.format(p.totalRows)}`,
        left: left === null ? '' : `${formatDuration(left)} left`,
      });
    },
    stop() {
      bar.stop();
    },
  };
}
