/**
 * What serialising answers through their response schemas costs (docs/decisions/0010): the two
 * largest list answers, 500 persons (`GET /api/v1/persons?limit=500`) and 500 recipient rows of
 * the demo mailing (`GET /api/v1/mailings/:id/recipients?limit=500`), serialised by the server's
 * serializer (zod parse, which drops undeclared keys, then JSON.stringify) against the baseline of
 * Fastify without a schema (JSON.stringify alone), and the whole request through `inject()` for
 * scale. Each case runs `rounds` times after a warm-up; the median per answer is printed.
 * Usage: tsx bench/responses.bench.ts [persons]   (default 2,000 demo persons)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { rights } from '../src/access/index.js';
import { loadDemoMailing } from '../src/app.js';
import { systemActor, systemClock } from '../src/core/index.js';
import { loadDemo } from '../src/crm/index.js';
import { responseSerializerCompiler } from '../src/http/responses.js';
import { routeTable } from '../src/http/routes/index.js';
import { buildServer } from '../src/http/server.js';
import { buildServices } from '../src/services.js';
import { migrate, openDatabase } from '../src/storage/index.js';

const persons = Number(process.argv[2] ?? 2000);
const rounds = 200;
const dir = mkdtempSync(join(tmpdir(), 'posthorn-bench-responses-'));
const handle = openDatabase({ engine: 'sqlite', file: join(dir, 'bench.db') });
await migrate(handle);
const services = buildServices(handle, {
  clock: systemClock,
  defaultCountry: 'NO',
  sessionTtlMs: 3_600_000,
  importBatchSize: 500,
  importMaxBytes: 1_048_576,
  dataDir: dir,
});
await services.access.ensureBuiltInRoles();
await services.templates.ensureStarters();
const actor = systemActor('bench', rights);
await loadDemo(services, actor, { persons });
const { mailingId } = await loadDemoMailing(services);
const app = await buildServer(services, {
  dataDir: dir,
  bodyLimitBytes: 1_048_576,
  importMaxBytes: 1_048_576,
  loginRatePerMinute: 10,
  logLevel: 'silent',
  publicUrl: 'http://localhost:3000',
  version: 'bench',
  responseCheck: 'lenient',
});
await app.ready();
const { key } = await services.access.createApiKey('bench', 'admin', actor);

const log = { error: () => undefined } as unknown as FastifyBaseLogger;
function median(f: () => void): number {
  for (let i = 0; i < 20; i++) f();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
}
async function medianAsync(f: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < rounds / 4; i++) {
    const t0 = process.hrtime.bigint();
    await f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
}

const cases: Array<[string, string, string, unknown]> = [
  [
    'persons, 500',
    '/api/v1/persons',
    '/api/v1/persons?limit=500',
    await services.persons.list({ limit: 500, offset: 0 }),
  ],
  [
    'recipients, 500',
    '/api/v1/mailings/:id/recipients',
    `/api/v1/mailings/${mailingId}/recipients?limit=500`,
    await services.recipients.list(mailingId, { limit: 500 }),
  ],
];
for (const [name, pattern, url, data] of cases) {
  const route = routeTable.find((r) => r.method === 'GET' && r.url === pattern);
  if (!route?.response) throw new Error(`${pattern} declares no response schema`);
  const serialize = responseSerializerCompiler(
    'lenient',
    log,
  )({
    schema: route.response,
    method: 'GET',
    url: pattern,
    httpStatus: '200',
  });
  const bytes = JSON.stringify(data).length;
  const plain = median(() => JSON.stringify(data));
  const schema = median(() => serialize(data));
  const request = await medianAsync(() =>
    app.inject({ url, headers: { authorization: `Bearer ${key}` } }).then((r) => {
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode}`);
    }),
  );
  console.log(
    `${name} (${(bytes / 1024).toFixed(0)} KiB): JSON.stringify ${plain.toFixed(2)} ms, through the schema ${schema.toFixed(2)} ms (+${(schema - plain).toFixed(2)} ms), whole request ${request.toFixed(2)} ms`,
  );
}
await app.close();
await handle.close();
rmSync(dir, { recursive: true, force: true });
