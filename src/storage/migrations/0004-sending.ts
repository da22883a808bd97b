import type { Kysely } from 'kysely';
import { type Engine, type PosthornMigration, withId } from '../migration.js';

/**
 * Sending (PRODUCT.md §9): send rounds, the per-recipient send ledger that workers claim with a
 * lease, the dev outbox that captures messages when no relay is configured, and the sending
 * domains with their DKIM keys.
 */
export const sending: PosthornMigration = {
  name: '0004-sending',
  async up(db: Kysely<unknown>, engine: Engine): Promise<void> {
    const s = db.schema;
    await withId(s.createTable('send_rounds'), engine)
      .addColumn('mailing_id', 'integer', (c) => c.notNull().references('mailings.id').onDelete('cascade'))
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('paused_reason', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addUniqueConstraint('send_rounds_number', ['mailing_id', 'number'])
      .execute();
    await withId(s.createTable('ledger'), engine)
      .addColumn('round_id', 'integer', (c) => c.notNull().references('send_rounds.id').onDelete('cascade'))
      .addColumn('mailing_id', 'integer', (c) => c.notNull())
      .addColumn('recipient_id', 'integer')
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('claim', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('last_code', 'text')
      .addColumn('last_error', 'text')
      .addColumn('sent_at', 'bigint')
      .addColumn('test', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await s
      .createIndex('ledger_claim')
      .on('ledger')
      .columns(['state', 'priority', 'next_attempt_at'])
      .execute();
    await s.createIndex('ledger_round').on('ledger').columns(['round_id', 'state']).execute();
    await withId(s.createTable('outbox'), engine)
      .addColumn('ledger_id', 'integer')
      .addColumn('mailing_id', 'integer')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('test', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('outbox_mailing').on('outbox').column('mailing_id').execute();
    await withId(s.createTable('sending_domains'), engine)
      .addColumn('domain', 'text', (c) => c.notNull().unique())
      .addColumn('selector', 'text', (c) => c.notNull())
      .addColumn('private_key', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('check_result', 'text')
      .addColumn('checked_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
