import type { Kysely } from 'kysely';
import { type Engine, keyText, type PosthornMigration, withId } from '../migration.js';

/**
 * Following up (PRODUCT.md §10–§12): every open and click as an event (human or machine, with the
 * reason), the counters per recipient, per link and per mailing that the flusher keeps in the
 * same transaction as the events, the clickers of each link, bounces and complaints as they
 * arrive (matched or not), the consecutive soft bounces per address, subscriptions that remember
 * the mailing they were cancelled from, and follow-up tasks created by link actions.
 */
export const tracking: PosthornMigration = {
  name: '0006-tracking',
  async up(db: Kysely<unknown>, engine: Engine): Promise<void> {
    const s = db.schema;
    const counter = (t: string, name: string) =>
      s
        .alterTable(t)
        .addColumn(name, 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    for (const c of ['opens', 'clicks', 'machine_events']) await counter('recipients', c);
    for (const c of ['sent_at', 'first_read_at', 'first_click_at', 'unsubscribed_at', 'bounced_at'])
      await s.alterTable('recipients').addColumn(c, 'bigint').execute();
    for (const c of ['client', 'bounce_code', 'bounce_diagnostic'])
      await s.alterTable('recipients').addColumn(c, 'text').execute();
    await s.createIndex('recipients_person').on('recipients').column('person_id').execute();
    // follow-up pages at a million recipients: "not read yet" within a status, and sorted by read
    // time, walk an index instead of sorting (id last: PostgreSQL keeps equal keys in id order only
    // when id is in the index; SQLite does anyway)
    await s
      .createIndex('recipients_mailing_status_read')
      .on('recipients')
      .columns(['mailing_id', 'status', 'first_read_at', 'id'])
      .execute();
    // a mailing's recipients in id order (the default page order) without a sort
    await s.createIndex('recipients_mailing_id').on('recipients').columns(['mailing_id', 'id']).execute();
    await s
      .createIndex('recipients_mailing_read')
      .on('recipients')
      .columns(['mailing_id', 'first_read_at', 'id'])
      .execute();
    for (const c of ['clicks', 'unique_clicks', 'machine_clicks']) await counter('mailing_links', c);

    await s
      .createTable('mailing_stats')
      .addColumn('mailing_id', 'integer', (c) => c.primaryKey().references('mailings.id').onDelete('cascade'))
      .addColumn('opens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('machine_opens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('readers', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('clicks', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('machine_clicks', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('clickers', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('unsubscribed', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await withId(s.createTable('tracking_events'), engine)
      .addColumn('mailing_id', 'integer', (c) => c.notNull().references('mailings.id').onDelete('cascade'))
      .addColumn('recipient_id', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('link_no', 'integer')
      .addColumn('machine', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reason', 'text')
      .addColumn('client', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await s
      .createIndex('tracking_events_mailing')
      .on('tracking_events')
      .columns(['mailing_id', 'at'])
      .execute();
    await s
      .createTable('link_clickers')
      .addColumn('mailing_id', 'integer', (c) => c.notNull().references('mailings.id').onDelete('cascade'))
      .addColumn('link_no', 'integer', (c) => c.notNull())
      .addColumn('recipient_id', 'integer', (c) => c.notNull())
      .addColumn('clicks', 'integer', (c) => c.notNull())
      .addColumn('first_at', 'bigint', (c) => c.notNull())
      .addColumn('last_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('link_clickers_pk', ['mailing_id', 'recipient_id', 'link_no'])
      .execute();
    await s
      .createIndex('link_clickers_link')
      .on('link_clickers')
      .columns(['mailing_id', 'link_no'])
      .execute();

    await withId(s.createTable('bounces'), engine)
      .addColumn('mailing_id', 'integer', (c) => c.references('mailings.id').onDelete('set null'))
      .addColumn('recipient_id', 'integer')
      .addColumn('address', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text')
      .addColumn('code', 'text')
      .addColumn('diagnostic', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('matched', 'integer', (c) => c.notNull())
      .addColumn('unmatched_reason', 'text')
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('bounces_mailing').on('bounces').columns(['mailing_id', 'kind']).execute();
    await s
      .createTable('address_bounces')
      .addColumn('address_key', keyText(engine), (c) => c.primaryKey())
      .addColumn('soft_count', 'integer', (c) => c.notNull())
      .addColumn('last_mailing_id', 'integer')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('ledger_message').on('ledger').column('message_id').execute();

    await s.alterTable('subscriptions').addColumn('mailing_id', 'integer').execute();
    await withId(s.createTable('tasks'), engine)
      .addColumn('person_id', 'integer', (c) => c.references('persons.id').onDelete('cascade'))
      .addColumn('user_id', 'integer')
      .addColumn('mailing_id', 'integer', (c) => c.references('mailings.id').onDelete('set null'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
