import { type Kysely, sql } from 'kysely';
import { type Engine, keyText, type PosthornMigration, withId } from '../migration.js';

/**
 * Mailing preparation (PRODUCT.md §3–§8): folders, settings, templates, tracked links, images,
 * mailings with their attachments, links and recipient sources, the recipient list and its
 * counts, and the blocked addresses every mailing skips. Also grants the new `editMailings`
 * right to the built-in admin and marketer roles of an existing database.
 */
export const mailings: PosthornMigration = {
  name: '0003-mailings',
  async up(db: Kysely<unknown>, engine: Engine): Promise<void> {
    const s = db.schema;
    await withId(s.createTable('folders'), engine)
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('parent_id', 'integer', (c) => c.references('folders.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await s
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await s
      .createTable('blocked_addresses')
      .addColumn('address_key', keyText(engine), (c) => c.primaryKey())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('diagnostic', 'text')
      .addColumn('blocked_at', 'bigint', (c) => c.notNull())
      .execute();
    await withId(s.createTable('templates'), engine)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('folder_id', 'integer', (c) => c.references('folders.id').onDelete('set null'))
      .addColumn('description', 'text')
      .addColumn('setup', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('starter_key', 'text', (c) => c.unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await withId(s.createTable('tracked_links'), engine)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('folder_id', 'integer', (c) => c.references('folders.id').onDelete('set null'))
      .addColumn('actions', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await withId(s.createTable('images'), engine)
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'integer', (c) => c.notNull())
      .addColumn('storage_name', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await withId(s.createTable('mailings'), engine)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('folder_id', 'integer', (c) => c.references('folders.id').onDelete('set null'))
      .addColumn('selection_id', 'integer', (c) => c.references('selections.id').onDelete('set null'))
      .addColumn('project_id', 'integer', (c) => c.references('projects.id').onDelete('set null'))
      .addColumn('subscription_type_id', 'integer', (c) =>
        c.references('subscription_types.id').onDelete('set null'),
      )
      .addColumn('template_id', 'integer', (c) => c.references('templates.id').onDelete('set null'))
      .addColumn('template_chosen', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('setup', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('content_version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('rendered', 'text')
      .addColumn('recipients_built_at', 'bigint')
      .addColumn('recipients_stale', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('scheduled_at', 'bigint')
      .addColumn('sent_anything', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('mailings_selection').on('mailings').column('selection_id').execute();
    await s.createIndex('mailings_project').on('mailings').column('project_id').execute();
    await withId(s.createTable('mailing_attachments'), engine)
      .addColumn('mailing_id', 'integer', (c) => c.notNull().references('mailings.id').onDelete('cascade'))
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'integer', (c) => c.notNull())
      .addColumn('storage_name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await s
      .createTable('mailing_links')
      .addColumn('mailing_id', 'integer', (c) => c.notNull().references('mailings.id').onDelete('cascade'))
      .addColumn('link_no', 'integer', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('target_url', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('tracked_link_id', 'integer', (c) => c.references('tracked_links.id').onDelete('set null'))
      .addColumn('in_content', 'integer', (c) => c.notNull().defaultTo(1))
      .addPrimaryKeyConstraint('mailing_links_pk', ['mailing_id', 'link_no'])
      .execute();
    await withId(s.createTable('mailing_sources'), engine)
      .addColumn('mailing_id', 'integer', (c) => c.notNull().references('mailings.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('ref_id', 'integer')
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('item_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('invalid_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('mailing_sources_mailing').on('mailing_sources').column('mailing_id').execute();
    await s
      .createTable('mailing_source_persons')
      .addColumn('source_id', 'integer', (c) =>
        c.notNull().references('mailing_sources.id').onDelete('cascade'),
      )
      .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('mailing_source_persons_pk', ['source_id', 'person_id'])
      .execute();
    await withId(s.createTable('mailing_import_rows'), engine)
      .addColumn('source_id', 'integer', (c) =>
        c.notNull().references('mailing_sources.id').onDelete('cascade'),
      )
      .addColumn('line', 'integer', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('email', 'text')
      .addColumn('email_key', keyText(engine))
      .addColumn('mobile', 'text')
      .addColumn('person_id', 'integer', (c) => c.references('persons.id').onDelete('set null'))
      .execute();
    await s.createIndex('mailing_import_rows_source').on('mailing_import_rows').column('source_id').execute();
    await withId(s.createTable('recipients'), engine)
      .addColumn('mailing_id', 'integer', (c) => c.notNull().references('mailings.id').onDelete('cascade'))
      .addColumn('source_id', 'integer')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('person_id', 'integer')
      .addColumn('company_id', 'integer')
      .addColumn('import_row_id', 'integer')
      .addColumn('address', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('overridden', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('status_at', 'bigint', (c) => c.notNull())
      .execute();
    await s
      .createIndex('recipients_mailing_status')
      .on('recipients')
      .columns(['mailing_id', 'status', 'reason'])
      .execute();
    await s
      .createTable('recipient_counts')
      .addColumn('mailing_id', 'integer', (c) => c.notNull().references('mailings.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('recipient_counts_pk', ['mailing_id', 'status', 'reason'])
      .execute();

    // existing databases: the built-in preparing roles get the new right
    const rows = await sql<{
      id: number;
      name: string;
      rights: string;
    }>`select id, name, rights from roles`.execute(db);
    for (const r of rows.rows) {
      if (r.name !== 'admin' && r.name !== 'marketer') continue;
      const list = JSON.parse(r.rights) as string[];
      if (!list.includes('editMailings')) {
        list.push('editMailings');
        await sql`update roles set rights = ${JSON.stringify(list)} where id = ${r.id}`.execute(db);
      }
    }
  },
};
