import type { Kysely } from 'kysely';
import { type Engine, keyText, type PosthornMigration, withId } from '../migration.js';

export const foundation: PosthornMigration = {
  name: '0001-foundation',
  async up(db: Kysely<unknown>, engine: Engine): Promise<void> {
    const s = db.schema;
    await withId(s.createTable('roles'), engine)
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('rights', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await withId(s.createTable('users'), engine)
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('phone', 'text')
      .addColumn('mobile', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id'))
      .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('Europe/Oslo'))
      .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await withId(s.createTable('api_keys'), engine)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id'))
      .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
    await s
      .createTable('sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await withId(s.createTable('audit_log'), engine)
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('user_id', 'integer')
      .addColumn('api_key_id', 'integer')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('audit_log_entity').on('audit_log').columns(['entity', 'entity_id']).execute();

    await withId(s.createTable('companies'), engine)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('name_key', keyText(engine), (c) => c.notNull())
      .addColumn('street', 'text')
      .addColumn('postcode', 'text')
      .addColumn('city', 'text')
      .addColumn('country', 'text')
      .addColumn('phone', 'text')
      .addColumn('email', 'text')
      .addColumn('domain', 'text')
      .addColumn('our_contact_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('companies_name_key').on('companies').column('name_key').execute();

    await withId(s.createTable('persons'), engine)
      .addColumn('company_id', 'integer', (c) => c.references('companies.id').onDelete('set null'))
      .addColumn('first_name', 'text', (c) => c.notNull())
      .addColumn('middle_name', 'text')
      .addColumn('last_name', 'text', (c) => c.notNull())
      .addColumn('name_key', keyText(engine), (c) => c.notNull())
      .addColumn('last_name_key', keyText(engine), (c) => c.notNull())
      .addColumn('title', 'text')
      .addColumn('salutation', 'text')
      .addColumn('email', 'text')
      .addColumn('email_key', keyText(engine))
      .addColumn('mobile', 'text')
      .addColumn('street', 'text')
      .addColumn('postcode', 'text')
      .addColumn('city', 'text')
      .addColumn('country', 'text')
      .addColumn('language', 'text')
      .addColumn('our_contact_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('no_mailings', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('former_employee', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await s.createIndex('persons_company').on('persons').column('company_id').execute();
    await s.createIndex('persons_name_key').on('persons').column('name_key').execute();
    await s.createIndex('persons_last_name_key').on('persons').column('last_name_key').execute();

    // a plain rowid key (no AUTOINCREMENT bookkeeping): nothing refers to these ids, and a load of
    // a million addresses is a second faster
    await (engine === 'postgres'
      ? s
          .createTable('person_emails')
          .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : s.createTable('person_emails').addColumn('id', 'integer', (c) => c.primaryKey())
    )
      .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('email_key', keyText(engine), (c) => c.notNull())
      .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await s.createIndex('person_emails_key').on('person_emails').column('email_key').execute();
    await s.createIndex('person_emails_person').on('person_emails').column('person_id').execute();

    await withId(s.createTable('custom_fields'), engine)
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('custom_fields_entity_key', ['entity', 'key'])
      .execute();
    await s
      .createTable('custom_values')
      .addColumn('field_id', 'integer', (c) => c.notNull().references('custom_fields.id').onDelete('cascade'))
      .addColumn('owner_id', 'integer', (c) => c.notNull())
      .addColumn('value_text', 'text')
      .addColumn('value_number', 'double precision')
      .addPrimaryKeyConstraint('custom_values_pk', ['field_id', 'owner_id'])
      .execute();

    await withId(s.createTable('selections'), engine)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('member_type', 'text', (c) => c.notNull())
      .addColumn('criteria', 'text')
      .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await s
      .createTable('selection_members')
      .addColumn('selection_id', 'integer', (c) =>
        c.notNull().references('selections.id').onDelete('cascade'),
      )
      .addColumn('member_id', 'integer', (c) => c.notNull())
      .addColumn('added_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('selection_members_pk', ['selection_id', 'member_id'])
      .execute();

    await withId(s.createTable('projects'), engine)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await s
      .createTable('project_members')
      .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
      .addColumn('role', 'text')
      .addColumn('added_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'person_id'])
      .execute();
    await s.createIndex('project_members_person').on('project_members').column('person_id').execute();

    await withId(s.createTable('subscription_types'), engine)
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await s
      .createTable('subscriptions')
      .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
      .addColumn('subscription_type_id', 'integer', (c) =>
        c.notNull().references('subscription_types.id').onDelete('cascade'),
      )
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('changed_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('subscriptions_pk', ['person_id', 'subscription_type_id'])
      .execute();
    await s
      .createIndex('subscriptions_type')
      .on('subscriptions')
      .columns(['subscription_type_id', 'status'])
      .execute();

    await withId(s.createTable('consents'), engine)
      .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('legal_basis', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'bigint', (c) => c.notNull())
      .addColumn('recorded_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('note', 'text')
      .execute();
    await s.createIndex('consents_person').on('consents').columns(['person_id', 'purpose']).execute();
    await s
      .createTable('consents_current')
      .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('legal_basis', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('consents_current_pk', ['person_id', 'purpose'])
      .execute();

    await withId(s.createTable('interests'), engine)
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await s
      .createTable('person_interests')
      .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
      .addColumn('interest_id', 'integer', (c) => c.notNull().references('interests.id').onDelete('cascade'))
      .addColumn('added_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('person_interests_pk', ['person_id', 'interest_id'])
      .execute();
    await s.createIndex('person_interests_interest').on('person_interests').column('interest_id').execute();

    await withId(s.createTable('imports'), engine)
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('dry_run', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('unchanged', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('invalid', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('report', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .execute();
  },
};
