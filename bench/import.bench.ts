/**
 * Import benchmark (issue: 1,000,000-row CSV into a fresh SQLite database ≤ 20 s, peak RSS ≤ 400 MB).
 * Each measurement runs in its own child process so peak RSS belongs to it alone:
 *   - posthorn: ImportService.importPersons on the CSV (parse, validate, upsert, companies), run
 *     from the built dist/ in plain node (bench/import-child.mjs), as `posthorn import` runs;
 *   - baseline: raw better-sqlite3 prepared inserts of the same rows, pre-generated in memory, into
 *     the same schema with the same pragmas and transaction size (persons only: no e-mail rows,
 *     no companies, no validation).
 * Usage: tsx bench/import.bench.ts [rows]   (default 1,000,000)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { migrate, openDatabase } from '../src/storage/index.js';
import { benchRow, rng, writeCsv } from './generate.js';

const out = join(import.meta.dirname, '.out');
const mode = process.argv[2];

async function runBaseline(n: number, dbFile: string): Promise<void> {
  const handle = openDatabase({ engine: 'sqlite', file: dbFile });
  await migrate(handle);
  await handle.close();
  const r = rng(42);
  const rows = Array.from({ length: n }, (_, i) => benchRow(i, r));
  const db = new SqliteDatabase(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536'); // the same pragmas as Posthorn's own SQLite connection
  const insert = db.prepare(
    `insert into persons (first_name, last_name, name_key, last_name_key, email, email_key, mobile, city, no_mailings, former_employee, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)`,
  );
  const now = Date.now();
  const t0 = performance.now();
  const tx = db.transaction((chunk: typeof rows) => {
    for (const row of chunk) {
      insert.run(
        row.firstName,
        row.lastName,
        `${row.firstName} ${row.lastName}`.toLowerCase(),
        `${row.lastName} ${row.firstName}`.toLowerCase(),
        row.email,
        row.email,
        row.mobile,
        row.city,
        now,
        now,
      );
    }
  });
  for (let i = 0; i < rows.length; i += 5000) tx(rows.slice(i, i + 5000)); // the same transaction size
  const ms = performance.now() - t0;
  db.close();
  console.log(JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024 }));
}

function child(
  args: string[],
  script = import.meta.filename,
  execArgv = process.execArgv,
): { ms: number; rssMb: number; created?: number } {
  const stdout = execFileSync(process.execPath, [...execArgv, script, ...args], { encoding: 'utf8' });
  const last = stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as { ms: number; rssMb: number; created?: number };
}

if (mode === '--baseline') await runBaseline(Number(process.argv[3]), process.argv[4] ?? '');
else {
  const n = Number(process.argv[2] ?? 1_000_000);
  mkdirSync(out, { recursive: true });
  const csv = join(out, `persons-${n}.csv`);
  console.log(`generating ${n} rows → ${csv}`);
  if (!existsSync(csv)) await writeCsv(csv, n); // deterministic: the same file every run
  for (const f of ['import.db', 'baseline.db'])
    for (const s of ['', '-wal', '-shm']) rmSync(join(out, f + s), { force: true });
  // the product as it ships (dist/, built by `npm run bench` or `npm install`), in plain node
  const posthorn = child([csv, join(out, 'import.db')], join(import.meta.dirname, 'import-child.mjs'), []);
  const baseline = child(['--baseline', String(n), join(out, 'baseline.db')]);
  const rows = [
    ['measurement', 'seconds', 'peak RSS MB', 'target'],
    [
      'posthorn import (CSV → SQLite, validated)',
      (posthorn.ms / 1000).toFixed(2),
      posthorn.rssMb.toFixed(0),
      '≤ 20 s, ≤ 400 MB',
    ],
    [
      'baseline: raw better-sqlite3 inserts from memory',
      (baseline.ms / 1000).toFixed(2),
      baseline.rssMb.toFixed(0),
      '—',
    ],
  ];
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(i === 0 ? 50 : 14)).join(''));
  console.log(
    `ratio posthorn/baseline: ${(posthorn.ms / baseline.ms).toFixed(2)}×  (rows created: ${posthorn.created})`,
  );
  const ok = posthorn.ms <= 20_000 * (n / 1_000_000) && posthorn.rssMb <= 400;
  console.log(ok ? 'PASS' : 'FAIL');
}
