import type { Kysely } from 'kysely';
import { type Engine, type PosthornMigration, withId } from '../migration.js';

/**
 * The other channels and the outbound accounts (PRODUCT.md §9, §14): each ledger row names its
 * channel; SMS parts keep the gateway's message id so delivery receipts find their recipient;
 * a document round's PDF is recorded; e-mail accounts and SMS gateways are settings.
 */
export const channels: PosthornMigration = {
  name: '0005-channels',
  async up(db: Kysely<unknown>, engine: Engine): Promise<void> {
    const s = db.schema;
    await s
      .alterTable('ledger')
      .addColumn('channel', 'text', (c) => c.notNull().defaultTo('email'))
      .execute();
    await withId(s.createTable('sms_parts'), engine)
      .addColumn('ledger_id', 'integer', (c) => c.notNull().references('ledger.id').onDelete('cascade'))
      .addColumn('gateway', 'text', (c) => c.notNull())
      .addColumn('provider_id', 'text', (c) => c.notNull())
      .addColumn('part', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('sms_parts_provider').on('sms_parts').columns(['gateway', 'provider_id']).execute();
    await s.createIndex('sms_parts_ledger').on('sms_parts').column('ledger_id').execute();
    await withId(s.createTable('documents'), engine)
      .addColumn('mailing_id', 'integer', (c) => c.notNull().references('mailings.id').onDelete('cascade'))
      .addColumn('round_id', 'integer', (c) => c.notNull())
      .addColumn('file', 'text', (c) => c.notNull())
      .addColumn('letters', 'integer', (c) => c.notNull())
      .addColumn('pages', 'integer', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await withId(s.createTable('email_accounts'), engine)
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull())
      .addColumn('tls', 'text', (c) => c.notNull())
      .addColumn('username', 'text')
      .addColumn('password_sealed', 'text')
      .addColumn('pool_size', 'integer', (c) => c.notNull())
      .addColumn('weight', 'integer', (c) => c.notNull())
      .addColumn('per_second', 'integer')
      .addColumn('per_minute', 'integer')
      .addColumn('per_hour', 'integer')
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await withId(s.createTable('sms_gateways'), engine)
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('config_sealed', 'text', (c) => c.notNull())
      .addColumn('sender', 'text')
      .addColumn('default_country', 'text')
      .addColumn('per_second', 'integer')
      .addColumn('weight', 'integer', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
