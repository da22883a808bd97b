import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  type Insertable,
  Kysely,
  type Migration,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
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
  bulk: BulkWriter;
  close(): Promise<void>;
}

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Bulk inserts for imports and other set-based writes. On SQLite one cached prepared statement runs
 * per row on the same connection (inside the caller's transaction: better-sqlite3 is one
 * connection and Kysely holds it for the transaction); that is several times faster than building
 * and preparing a multi-row statement per batch. On PostgreSQL, multi-row INSERT statements.
 * Returned rows: in input order on SQLite; in no promised order on PostgreSQL (match them by a
 * unique returned column).
 */
export interface BulkWriter {
  insert<T extends keyof Database & string>(
    db: Executor,
    table: T,
    rows: ReadonlyArray<Insertable<Database[T]>>,
    returning?: ReadonlyArray<keyof Database[T] & string>,
  ): Promise<Array<Record<string, unknown>>>;
  /**
   * Bulk-load mode: sets aside the secondary indexes of `tables` except `keep`, so a large load
   * appends rows instead of updating random index pages; the returned function rebuilds them
   * (one sort each). The set-aside definitions are stored first, and `migrate` rebuilds any left
   * after a crash. Null where the engine does not need it (PostgreSQL).
   */
  suspendIndexes(
    db: Kysely<Database>,
    tables: string[],
    keep: string[],
  ): Promise<(() => Promise<void>) | null>;
}

function sqliteBulkWriter(sqlite: SqliteDatabase.Database): BulkWriter {
  const statements = new Map<string, SqliteDatabase.Statement>();
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return {
    async insert(_db, table, rows, returning = []) {
      const first = rows[0];
      if (first === undefined) return [];
      const columns = Object.keys(first);
      // Returned columns that were inserted are the values given (no triggers or defaults touch
      // them); `id` is the new rowid. So no RETURNING: run() and lastInsertRowid are cheaper.
      const fromInput = returning.every((c) => c === 'id' || columns.includes(c));
      const text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values (${columns.map(() => '?').join(', ')})${
        returning.length > 0 && !fromInput ? ` returning ${returning.map(quote).join(', ')}` : ''
      }`;
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        statements.set(text, statement);
      }
      const out: Array<Record<string, unknown>> = [];
      for (const row of rows) {
        const record = row as Record<string, unknown>;
        const values = columns.map((c) => record[c] ?? null);
        if (returning.length === 0) statement.run(...values);
        else if (!fromInput) out.push(statement.get(...values) as Record<string, unknown>);
        else {
          const id = Number(statement.run(...values).lastInsertRowid);
          const result: Record<string, unknown> = {};
          for (const c of returning) result[c] = c === 'id' ? id : (record[c] ?? null);
          out.push(result);
        }
      }
      return out;
    },
    async suspendIndexes(db, tables, keep) {
      // inside a Kysely transaction, so no other query runs on the connection meanwhile
      const suspended = await db.transaction().execute(async () => {
        const rows = sqlite
          .prepare(
            `select name, tbl_name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${tables.map(() => '?').join(', ')})`,
          )
          .all(...tables) as Array<{ name: string; tbl_name: string; sql: string }>;
        const chosen = rows.filter((r) => !keep.includes(r.name));
        const save = sqlite.prepare(
          'insert or replace into suspended_indexes (name, table_name, definition) values (?, ?, ?)',
        );
        for (const r of chosen) {
          save.run(r.name, r.tbl_name, r.sql);
          sqlite.exec(`drop index ${quote(r.name)}`);
        }
        return chosen.map((r) => r.name);
      });
      return async () => {
        await restoreSuspendedIndexes(db, suspended);
      };
    },
  };
}

/**
 * Moves e-mail rows staged by a bulk load into person_emails, in key order so the index is written
 * in one pass. One transaction: after it the rows are in exactly one of the two tables.
 */
export async function mergeStagedPersonEmails(db: Kysely<Database>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const r = await sql`insert into person_emails (person_id, email, email_key, is_primary)
      select person_id, email, email_key, is_primary from staged_person_emails order by email_key`.execute(
      trx,
    );
    await trx.deleteFrom('staged_person_emails').execute();
    return Number(r.numAffectedRows ?? 0);
  });
}

/** Rebuilds indexes set aside by a bulk load (all of them when `names` is not given). */
export async function restoreSuspendedIndexes(db: Kysely<Database>, names?: string[]): Promise<void> {
  let q = db.selectFrom('suspended_indexes').selectAll();
  if (names !== undefined) {
    if (names.length === 0) return;
    q = q.where('name', 'in', names);
  }
  for (const row of await q.execute()) {
    await db.transaction().execute(async (trx) => {
      await sql.raw(row.definition.replace(/^create index /i, 'create index if not exists ')).execute(trx);
      await trx.deleteFrom('suspended_indexes').where('name', '=', row.name).execute();
    });
  }
}

function multiRowBulkWriter(maxParameters: number): BulkWriter {
  return {
    async insert(db, table, rows, returning = []) {
      const first = rows[0];
      if (first === undefined) return [];
      const perStatement = Math.max(
        1,
        Math.floor(maxParameters / Math.max(1, Object.keys(first).length)) - 1,
      );
      const out: Array<Record<string, unknown>> = [];
      for (let i = 0; i < rows.length; i += perStatement) {
        // Kysely's per-table typing cannot follow a generic table name; the rows are typed by the signature.
        const q = (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
          .insertInto(table)
          .values(rows.slice(i, i + perStatement) as Array<Record<string, unknown>>);
        if (returning.length > 0)
          out.push(
            ...((await q.returning([...returning] as string[]).execute()) as Array<Record<string, unknown>>),
          );
        else await q.execute();
      }
      return out;
    },
    // PostgreSQL keeps its indexes: other sessions read and write concurrently during a load
    suspendIndexes: async () => null,
  };
}

export type DatabaseTarget =
  | { engine: 'sqlite'; file: string; busyTimeoutMs?: number }
  | { engine: 'postgres'; url: string; poolSize?: number; schema?: string };

/**
 * Kysely prepares every statement again on each call; SQLite's prepare costs as much as a small
 * query. The same SQL text reuses its prepared statement (the most recent 500 texts). Safe: the
 * one connection runs one statement at a time (Kysely's connection mutex), so a cached statement
 * is never busy when it is taken again.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (statement) {
        // most recently used last
        cache.delete(text);
      } else {
        statement = sqlite.prepare(text);
        if (cache.size >= 500) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

/** Makes the SQLite file and its companions readable and writable by our user only. */
function restrictToOwner(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      chmodSync(f, 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // a companion that does not exist is fine; a file another user owns (shared through its
      // group on purpose) is left as its owner set it rather than refusing to start
      if (code !== 'ENOENT' && code !== 'EPERM') throw e;
    }
  }
}

/** The dialect is named here and nowhere else. */
export function openDatabase(target: DatabaseTarget): DatabaseHandle {
  if (target.engine === 'sqlite') {
    const onDisk = target.file !== ':memory:' && target.file !== '';
    if (onDisk) {
      mkdirSync(dirname(target.file), { recursive: true, mode: 0o700 });
      // SQLite would create the file 0644 (world-readable personal data); created here first with
      // 0600, its -wal and -shm inherit that mode (SQLite gives them the database file's mode)
      try {
        closeSync(openSync(target.file, 'wx', 0o600));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const sqlite = new SqliteDatabase(target.file);
    sqlite.pragma('journal_mode = WAL');
    // a database (and its -wal/-shm) created by an older version is still 0644: tighten it
    if (onDisk) restrictToOwner(target.file);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    // A 64 MiB page cache: bulk writes (imports, freezing recipients) touch index pages all over;
    // with the 2 MiB default they are written to the WAL again and again.
    sqlite.pragma('cache_size = -65536');
    sqlite.pragma('temp_store = MEMORY');
    // Checkpoint the WAL every ~40 MB instead of every 4 MB: each checkpoint syncs the database
    // file, and with the default they dominate bulk writes (measured: 2.3× slower imports).
    sqlite.pragma('wal_autocheckpoint = 10000');
    // lower() of SQLite folds only ASCII; this one folds Unicode like PostgreSQL's lower()
    sqlite.function('posthorn_lower', { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? value.toLowerCase() : value,
    );
    sqlite.pragma(`busy_timeout = ${Math.trunc(target.busyTimeoutMs ?? 5000)}`);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return {
      db,
      capabilities: { engine: 'sqlite', skipLocked: false, maxParameters: 32_766 },
      bulk: sqliteBulkWriter(sqlite),
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
  // cursors: long reads (exports) stream instead of loading every row
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
  return {
    db,
    capabilities: { engine: 'postgres', skipLocked: true, maxParameters: 65_535 },
    bulk: multiRowBulkWriter(65_535),
    close: () => db.destroy(),
  };
}

/** Applies every pending migration, in order; returns the names applied now. */
export async function migrate(handle: DatabaseHandle): Promise<string[]> {
  const engine = handle.capabilities.engine;
  // Kysely looks for its migration tables in every schema it can see unless told which one: with
  // another Posthorn (or a test, or a benchmark) in a second schema of the same database it would
  // find theirs and skip creating ours. The bookkeeping lives in the schema we work in.
  const schema =
    engine === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(handle.db)).rows[0]?.s
      : undefined;
  const migrator = new Migrator({
    db: handle.db,
    ...(schema ? { migrationTableSchema: schema } : {}),
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
  await mergeStagedPersonEmails(handle.db);
  await restoreSuspendedIndexes(handle.db);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
