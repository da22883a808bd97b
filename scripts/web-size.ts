/**
 * `npm run size:web`: the gzip size of the JavaScript the first screen (Login, and the shell)
 * loads: the module scripts and module preloads of dist/web/index.html and the chunks they import
 * statically. Fails above the budget (300 KB). Run after `npm run build:web`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const budget = 300 * 1024;
const web = join(import.meta.dirname, '..', 'dist', 'web');
const html = readFileSync(join(web, 'index.html'), 'utf8');
const entries = [
  ...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/([^"]+\.js)"/g),
].map((m) => m[1] as string);
if (entries.length === 0) throw new Error('dist/web/index.html loads no script: run npm run build:web');

// static imports only (`import … from "./x.js"`), not `import("./x.js")`, which load later
const seen = new Set<string>();
const queue = [...entries];
let total = 0;
while (queue.length > 0) {
  const file = queue.shift() as string;
  if (seen.has(file)) continue;
  seen.add(file);
  const code = readFileSync(join(web, file));
  total += gzipSync(code, { level: 9 }).length;
  const dir = file.slice(0, file.lastIndexOf('/') + 1);
  for (const m of code
    .toString('utf8')
    .matchAll(/(?:^|[;\s}])import\s*(?:[\w*${}\s,]+from\s*)?["']\.\/([^"']+\.js)["']/g))
    queue.push(`${dir}${m[1]}`);
}
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(
  `first screen JavaScript: ${kb(total)} gzip in ${seen.size} file(s) (${[...seen].join(', ')}); budget ${kb(budget)}`,
);
if (total > budget) {
  console.error('over budget: lazy-load more (routes other than Login and the shell load on demand)');
  process.exitCode = 1;
}
