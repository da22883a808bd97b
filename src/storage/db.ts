import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Engine } from './migration.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type { Engine } from './migration.js';

/** What the engine can do; code branches on these, never on the dialect's name. */
export interface Capabilities {
  engine: Engine;
  /** `SELECT … FOR UPDATE SKIP LOCKED` for concurrent workers. */
  skipLocked: boolean;
  /** Largest number of bound parameters in one statement. */
  maxParameters: number;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  capabilities: Capabilities;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { engine: 'sqlite'; file: string; busyTimeoutMs?: number }
  | { engine: 'postgres'; url: string; poolSize?: number; schema?: string };

/** The dialect is named here and nowhere else. */
export function openDatabase(target: DatabaseTarget): DatabaseHandle {
  if (target.engine === 'sqlite') {
    if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
    const sqlite = new SqliteDatabase(target.file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`busy_timeout = ${Math.trunc(target.busyTimeoutMs ?? 5000)}`);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    return {
      db,
      capabilities: { engine: 'sqlite', skipLocked: false, maxParameters: 32_766 },
      close: () => db.destroy(),
    };
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize ?? 10,
    // bigint (int8) and numeric come back as numbers: timestamps are epoch ms, well inside 2^53.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === 20 || oid === 1700
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
    ...(target.schema === undefined ? {} : { options: `-c search_path=${target.schema}` }),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    capabilities: { engine: 'postgres', skipLocked: true, maxParameters: 65_535 },
    close: () => db.destroy(),
  };
}

/** Applies every pending migration, in order; returns the names applied now. */
export async function migrate(handle: DatabaseHandle): Promise<string[]> {
  const engine = handle.capabilities.engine;
  const migrator = new Migrator({
    db: handle.db,
    provider: {
      getMigrations: async () => {
        const all: Record<string, Migration> = {};
        for (const m of migrations) {
          all[m.name] = { up: (db) => m.up(db as Kysely<unknown>, engine) };
        }
        return all;
      },
    },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
