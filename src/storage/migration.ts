import { type CreateTableBuilder, type Kysely, type RawBuilder, sql } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

/** A schema migration. Immutable once landed: a change is a new migration. */
export interface PosthornMigration {
  name: string;
  up(db: Kysely<unknown>, engine: Engine): Promise<void>;
}

/** An auto-increment integer primary key on either engine. */
export function withId<T extends string>(
  table: CreateTableBuilder<T, never>,
  engine: Engine,
): CreateTableBuilder<T, 'id'> {
  return engine === 'postgres'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/**
 * Search and match keys compare byte-wise on both engines (SQLite's default BINARY; PostgreSQL
 * COLLATE "C"), so prefix ranges `key >= p AND key < p || U+FFFF` are exact and use the index
 * whatever the server's locale.
 */
export function keyText(engine: Engine): 'text' | RawBuilder<unknown> {
  return engine === 'postgres' ? sql`text collate "C"` : 'text';
}
