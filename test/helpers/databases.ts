import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DatabaseHandle, migrate, openDatabase } from '../../src/storage/index.js';

/**
 * The engines every store test runs on: SQLite always, PostgreSQL when
 * POSTHORN_TEST_DATABASE_URL is set (CI sets it). Each test database is fresh: a new SQLite
 * file, or a new schema in the PostgreSQL database that is dropped afterwards.
 */
const pgUrl = process.env.POSTHORN_TEST_DATABASE_URL;

export const engines: Array<'sqlite' | 'postgres'> = pgUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase extends DatabaseHandle {
  /** Drops what the test created. */
  dispose(): Promise<void>;
  /** The target to open a second handle (another "process") on the same database. */
  target: Parameters<typeof openDatabase>[0];
}

let counter = 0;

export async function openTestDatabase(engine: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'posthorn-test-'));
    const target = { engine: 'sqlite' as const, file: join(dir, 'test.db') };
    const handle = openDatabase(target);
    await migrate(handle);
    return {
      ...handle,
      target,
      dispose: async () => {
        await handle.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!pgUrl) throw new Error('POSTHORN_TEST_DATABASE_URL is not set');
  counter += 1;
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const target = { engine: 'postgres' as const, url: pgUrl, schema, poolSize: 4 };
  const handle = openDatabase(target);
  await migrate(handle);
  return {
    ...handle,
    target,
    dispose: async () => {
      await handle.close();
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}
