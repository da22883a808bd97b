import type { Kysely } from 'kysely';
import type { PosthornMigration } from '../migration.js';

/**
 * Indexes set aside during a bulk load (a large import on SQLite), so that a crash in the middle
 * cannot lose them: `migrate` recreates whatever is listed here.
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
  },
};
