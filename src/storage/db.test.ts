import { describe, expect, it } from 'vitest';
import { engines, openTestDatabase } from '../../test/helpers/databases.js';
import { migrate } from './db.js';

describe.each(engines)('storage on %s', (engine) => {
  it('migrations apply once and are idempotent', async () => {
    const t = await openTestDatabase(engine);
    try {
      expect(await migrate(t)).toEqual([]);
      const now = Date.now();
      await t.db.insertInto('roles').values({ name: 'x', rights: '[]', created_at: now }).execute();
      const row = await t.db.selectFrom('roles').selectAll().executeTakeFirstOrThrow();
      // one representation per value kind: epoch ms come back as numbers on both engines
      expect(row.created_at).toBe(now);
      expect(typeof row.id).toBe('number');
    } finally {
      await t.dispose();
    }
  });
});

// only where PostgreSQL runs (like every PostgreSQL test: POSTHORN_TEST_DATABASE_URL)
describe.each(engines.filter((e) => e === 'postgres'))('storage on %s, beside another schema', () => {
  it('a second Posthorn schema in the same database does not hide our migration tables', async () => {
    // the first is migrated and stays while the second is created and migrated
    const first = await openTestDatabase('postgres');
    try {
      const second = await openTestDatabase('postgres');
      try {
        expect(await migrate(second)).toEqual([]);
        expect(await second.db.selectFrom('roles').selectAll().execute()).toEqual([]);
      } finally {
        await second.dispose();
      }
    } finally {
      await first.dispose();
    }
  });
});
