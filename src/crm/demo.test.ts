import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import { validateMobile } from '../addresses/index.js';
import type { Services } from '../services.js';
import { loadDemo } from './demo.js';

/**
 * The demo CRM (issue 12 part 4): it once wrote 7-digit Norwegian mobiles, which no SMS can reach,
 * and the demo's SMS were "sent" to them. Every mobile it writes must be one libphonenumber
 * (src/addresses/mobile.ts) takes, as the recipient list checks it.
 */
describe.each(engines)('demo CRM on %s', (engine) => {
  let s: Services;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    dispose = t.database.dispose;
    await loadDemo({ ...s, bulk: t.database.bulk }, admin, { persons: 600 });
  });
  afterAll(async () => dispose());

  it('demo mobiles are all valid mobile numbers, in E.164', async () => {
    const rows = await s.db.selectFrom('persons').select(['id', 'mobile', 'country']).execute();
    const mobiles = rows.filter((r) => r.mobile !== null);
    // most demo persons have one (about 85 %), of all four countries
    expect(mobiles.length).toBeGreaterThan(rows.length * 0.7);
    expect(new Set(mobiles.map((r) => (r.mobile as string).slice(0, 3)))).toEqual(
      new Set(['+47', '+46', '+45', '+35']),
    );
    const invalid = mobiles.filter((r) => {
      const v = validateMobile(r.mobile as string, 'NO');
      return !v.valid || v.e164 !== r.mobile;
    });
    expect(invalid).toEqual([]);
  });

  it('an SMS to every demo person blocks only those without a mobile as invalidAddress', async () => {
    const everyone = await s.selections.create({ name: 'Every demo person', kind: 'static' }, admin);
    await sql`insert into selection_members (selection_id, member_id, added_at)
      select ${everyone.id}, id, 0 from persons`.execute(s.db);
    const sms = await s.mailings.create({ name: 'Demo SMS', channel: 'sms' }, admin);
    await s.mailings.update(sms.id, { selectionId: everyone.id }, admin);
    const summary = await s.recipients.build(sms.id, admin);
    const withoutMobile = await s.db
      .selectFrom('persons')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('mobile', 'is', null)
      .executeTakeFirstOrThrow();
    expect(summary.byReason.invalidAddress ?? 0).toBe(Number(withoutMobile.n));
  });
});
