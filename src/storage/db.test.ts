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
