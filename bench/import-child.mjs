// The measured side of bench/import.bench.ts: runs the built product (dist/, as `posthorn import`
// does) in a process of its own, so its peak RSS is the import's alone.
import { ManualClock, systemActor } from '../dist/core/index.js';
import { buildServices } from '../dist/services.js';
import { migrate, openDatabase } from '../dist/storage/index.js';

const [csv, dbFile] = process.argv.slice(2);
const handle = openDatabase({ engine: 'sqlite', file: dbFile });
await migrate(handle);
const services = buildServices(handle, {
  clock: new ManualClock(Date.now()),
  defaultCountry: 'NO',
  sessionTtlMs: 1,
  importBatchSize: 5000,
  importMaxBytes: 2 ** 31,
});
const t0 = performance.now();
const report = await services.imports.importPersons(csv, {}, systemActor('bench'));
const ms = performance.now() - t0;
await handle.close();
console.log(
  JSON.stringify({
    ms,
    rssMb: process.resourceUsage().maxRSS / 1024,
    created: report.created,
    invalid: report.invalidCount,
    companies: report.companiesCreated,
  }),
);
