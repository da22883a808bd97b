/**
 * `npm run bench`: every benchmark, each printing its figure next to a baseline measured in the
 * same run. Sizes default to the figures; pass a smaller size as the first argument for a
 * quick look (e.g. `npm run bench -- 100000`).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const size = process.argv[2] ?? '1000000';
for (const bench of ['import.bench.ts', 'selection.bench.ts']) {
  console.log(`\n### ${bench} (${size})`);
  execFileSync(process.execPath, [...process.execArgv, join(import.meta.dirname, bench), size], {
    stdio: 'inherit',
  });
}
