import { rights } from '../../src/access/index.js';
import { ManualClock, systemActor } from '../../src/core/index.js';
import { buildServices, type ServiceOptions, type Services } from '../../src/services.js';
import { openTestDatabase, type TestDatabase } from './databases.js';

export const admin = systemActor('test', rights);

/** Real services over a fresh database of the given engine, with a manual clock; `overrides` change options. */
export async function openTestServices(
  engine: 'sqlite' | 'postgres',
  overrides: Partial<ServiceOptions> = {},
): Promise<{ services: Services; clock: ManualClock; database: TestDatabase }> {
  const database = await openTestDatabase(engine);
  const clock = new ManualClock();
  const services = buildServices(database, {
    clock,
    defaultCountry: 'NO',
    sessionTtlMs: 3_600_000,
    importBatchSize: 100,
    importMaxBytes: 50 * 1024 * 1024,
    dataDir:
      database.target.engine === 'sqlite'
        ? `${database.target.file}.data`
        : `/tmp/posthorn-test-${process.pid}`,
    publicUrl: 'http://localhost:3000',
    attachmentMaxBytes: 1024 * 1024,
    imageMaxBytes: 256 * 1024,
    secret: 'test-instance-secret-that-is-long-enough-0123456789',
    ...overrides,
  });
  await services.access.ensureBuiltInRoles();
  await services.templates.ensureStarters();
  return { services, clock, database };
}
