import type { Kysely } from 'kysely';
import type { PosthornMigration } from '../migration.js';

/**
 * Bulk loads (large imports on SQLite): indexes set aside during the load, and the e-mail rows
 * staged for a sorted merge, so that a crash in the middle cannot lose either: `migrate` finishes
 * whatever a load left here.
 */
export const bulkLoad: PosthornMigration = {
  name: '0002-bulk-load',
  async up(db: Kysely<unknown>): Promise<void> {
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
