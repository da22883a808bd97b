import { writeFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/helpers/databases.js';
import { admin } from '../../../test/helpers/services.js';
import { ManualClock } from '../../core/index.js';
import { buildServices } from '../../services.js';
import { type Database, migrate } from '../../storage/index.js';

async function indexNames(db: Kysely<Database>) {
  const r = await sql<{
    name: string;
  }>`select name from sqlite_master where type = 'index' and sql is not null order by name`.execute(db);
  return r.rows.map((x) => x.name);
}

function csv(rows: number, offset = 0): string {
  const lines = ['email,firstname,lastname,company'];
  for (let i = offset; i < offset + rows; i++)
    lines.push(`p${i}@bulk.no,First${i},Last${i},Company ${i % 7}`);
  return `${lines.join('\n')}\n`;
}

// Bulk-load mode exists on SQLite only (PostgreSQL keeps its indexes), so these run on SQLite.
describe('import bulk-load mode on sqlite', () => {
  it('a large import sets indexes aside and rebuilds them; a second one merges staged e-mails', async () => {
    const t = await openTestDatabase('sqlite');
    try {
      const services = buildServices(t, {
        clock: new ManualClock(),
        defaultCountry: 'NO',
        sessionTtlMs: 1,
        importBatchSize: 50,
        importMaxBytes: 10_000_000,
        importBulkLoadMinBytes: 0,
      });
      const before = await indexNames(t.db);
      const file = `${t.target.engine === 'sqlite' ? t.target.file : ''}.csv`;
      writeFileSync(file, csv(300));
      const first = await services.imports.importPersons(file, {}, admin);
      expect(first).toMatchObject({ created: 300, invalidCount: 0 });
      expect(await indexNames(t.db)).toEqual(before);
      // the CRM now has addresses: the e-mail index stays for look-ups, new rows are staged and merged
      writeFileSync(file, csv(300, 200));
      const second = await services.imports.importPersons(file, {}, admin);
      expect(second).toMatchObject({ created: 200, updated: 0, unchanged: 100 });
      expect(await indexNames(t.db)).toEqual(before);
      expect(await t.db.selectFrom('staged_person_emails').select('email').execute()).toEqual([]);
      expect((await services.persons.list({ q: 'p450@', limit: 5, offset: 0 })).total).toBe(1);
      expect((await services.persons.list({ q: 'last499', limit: 5, offset: 0 })).total).toBe(1);
      expect(await services.persons.findByEmail('P499@bulk.no')).toHaveLength(1);
    } finally {
      await t.dispose();
    }
  });

  it('after a crash in the middle of a bulk load, migrate rebuilds the indexes and merges staged e-mails', async () => {
    const t = await openTestDatabase('sqlite');
    try {
      const before = await indexNames(t.db);
      const services = buildServices(t, {
        clock: new ManualClock(),
        defaultCountry: 'NO',
        sessionTtlMs: 1,
        importBatchSize: 50,
        importMaxBytes: 1,
      });
      const p = await services.persons.create({ lastName: 'Crash', emails: ['before@crash.no'] }, admin);
      // what a load leaves when the process dies: indexes set aside, e-mail rows staged
      await t.bulk.suspendIndexes(t.db, ['persons', 'person_emails'], []);
      await t.db
        .insertInto('staged_person_emails')
        .values({ person_id: p.id, email: 'staged@crash.no', email_key: 'staged@crash.no', is_primary: 0 })
        .execute();
      expect((await indexNames(t.db)).length).toBeLessThan(before.length);
      await migrate(t);
      expect(await indexNames(t.db)).toEqual(before);
      expect(await services.persons.findByEmail('staged@crash.no')).toEqual([p.id]);
      expect(await t.db.selectFrom('suspended_indexes').selectAll().execute()).toEqual([]);
    } finally {
      await t.dispose();
    }
  });
});
