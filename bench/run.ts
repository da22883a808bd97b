/**
 * `npm run bench`: every benchmark, each printing its figure next to a baseline measured in the
 * same run. Sizes default to the figures; pass a smaller size as the first argument for a
 * quick look (e.g. `npm run bench -- 100000`).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const size = Number(process.argv[2] ?? 1_000_000);
// each benchmark with its issue's size, scaled when a smaller size is asked for
const benches: Array<[string, number]> = [
  ['import.bench.ts', size],
  ['selection.bench.ts', size],
  ['recipients.bench.ts', size],
  ['merge.bench.ts', Math.max(1000, Math.round(size / 10))],
  ['send.bench.ts', Math.max(1000, Math.round(size / 10))],
  ['document.bench.ts', Math.max(1000, Math.round(size / 100))],
  ['sms.bench.ts', Math.max(1000, Math.round(size / 100))],
  ['tracking.bench.ts', Math.max(1000, Math.round(size / 100))],
  ['followup.bench.ts', size],
  ['responses.bench.ts', Math.max(100, Math.round(size / 500))],
];
for (const [bench, n] of benches) {
  console.log(`\n### ${bench} (${n})`);
  execFileSync(process.execPath, [...process.execArgv, join(import.meta.dirname, bench), String(n)], {
    stdio: 'inherit',
  });
}
