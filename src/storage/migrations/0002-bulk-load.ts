import { type Kysely, sql } from 'kysely';
import type { Engine, PosthornMigration } from '../migration.js';

/**
 * The `posthorn_lower` function on PostgreSQL, and bulk loads (large imports on SQLite): indexes set aside during the load, and the e-mail rows
 * staged for a sorted merge, so that a crash in the middle cannot lose either: `migrate` finishes
 * whatever a load left here.
 */
export const bulkLoad: PosthornMigration = {
  name: '0002-bulk-load-and-unicode-lower',
  async up(db: Kysely<unknown>, engine: Engine): Promise<void> {
    // Unicode lower-casing under one name on both engines (SQLite registers it on connect)
    if (engine === 'postgres') {
      await sql`create or replace function posthorn_lower(value text) returns text
        language sql immutable parallel safe as 'select lower(value)'`.execute(db);
    }
    await db.schema
      .createTable('suspended_indexes')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .execute();
    // e-mail rows of persons created by a bulk load, moved into person_emails in key order at its
    // end (one sorted pass over the index instead of a million random inserts); no index here
    await db.schema
      .createTable('staged_person_emails')
      .addColumn('person_id', 'integer', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('email_key', 'text', (c) => c.notNull())
      .addColumn('is_primary', 'integer', (c) => c.notNull())
      .execute();
  },
};
