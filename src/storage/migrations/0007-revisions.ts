import { type Kysely, sql } from 'kysely';
import type { Engine, PosthornMigration } from '../migration.js';

/**
 * Tables outside a mailing whose rows shape its messages (docs/decisions/0008-one-renderer.md):
 * the sending domains and their DKIM keys, the tracked-link registry, the custom fields (which
 * merge tags are known) and the subscription types (deleting one sets mailings' type to Any).
 */
const shaping = ['sending_domains', 'tracked_links', 'custom_fields', 'subscription_types'] as const;

/**
 * What is previewed is what is sent (issue 12):
 *
 * - `mailings.revision`, raised by every change that shapes a message of the mailing (setup,
 *   content, template, attachments, subscription type), so a prepared mailing is cached per
 *   revision and never outlives an edit;
 * - `render_epoch`, one row whose counter the database itself raises on every insert, update or
 *   delete of the tables above (triggers: no code path can forget it, whichever process writes);
 *   the renderer's cache key is (revision, epoch), read from the database once per batch;
 * - `outbox.envelope_from`: the dev outbox keeps the SMTP envelope sender (the VERP return path).
 */
export const revisions: PosthornMigration = {
  name: '0007-revisions',
  async up(db: Kysely<unknown>, engine: Engine): Promise<void> {
    const s = db.schema;
    await s
      .alterTable('mailings')
      .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await s.alterTable('outbox').addColumn('envelope_from', 'text').execute();
    await s
      .createTable('render_epoch')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('n', 'integer', (c) => c.notNull())
      .execute();
    await sql`insert into render_epoch (id, n) values (1, 1)`.execute(db);
    if (engine === 'postgres') {
      // `set search_path from current`: the function finds render_epoch in this schema whatever
      // the search path of the session whose statement fires it
      await sql`create function posthorn_bump_render_epoch() returns trigger language plpgsql
        set search_path from current as $$
        begin
          update render_epoch set n = n + 1 where id = 1;
          return null;
        end $$`.execute(db);
      for (const table of shaping)
        await sql`create trigger ${sql.raw(`${table}_render_epoch`)}
          after insert or update or delete on ${sql.table(table)}
          for each statement execute function posthorn_bump_render_epoch()`.execute(db);
      return;
    }
    for (const table of shaping)
      for (const event of ['insert', 'update', 'delete'])
        await sql`create trigger ${sql.raw(`${table}_render_epoch_${event}`)}
          after ${sql.raw(event)} on ${sql.table(table)}
          begin update render_epoch set n = n + 1 where id = 1; end`.execute(db);
  },
};
