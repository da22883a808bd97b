import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { insertPersons } from '../../test/helpers/persons.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import type { ManualClock } from '../core/index.js';
import type { Services } from '../services.js';
import * as ledger from './ledger.store.js';

describe.each(engines)('ledger store on %s', (engine) => {
  let s: Services;
  let clock: ManualClock;
  let dispose: () => Promise<void>;
  let mailingId: number;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    clock = t.clock;
    dispose = t.database.dispose;
    await s.settings.update({ privacyFilter: false }, admin);
    const ids = await insertPersons(s.db, 6, (i) => `q${i}@example.test`);
    const sel = await s.selections.create({ name: 'Six', kind: 'static' }, admin);
    await s.selections.addMembers(sel.id, ids, admin);
    const m = await s.mailings.create({ name: 'Ledger', channel: 'email' }, admin);
    await s.mailings.update(m.id, { selectionId: sel.id }, admin);
    await s.recipients.build(m.id, admin);
    mailingId = m.id;
  });
  afterAll(async () => dispose());

  it('freezes, claims and records every kind of outcome set-based; a row of another claim is left alone', async () => {
    const now = clock.now();
    const frozen = await s.db.transaction().execute(async (trx) => {
      const r = await ledger.freezeRound(trx, {
        mailingId,
        channel: 'email',
        domain: 'posthorn.test',
        engine,
        createdBy: 'test',
        now,
      });
      await trx
        .updateTable('recipients')
        .set({ status: 'sending' })
        .where('mailing_id', '=', mailingId)
        .execute();
      await trx
        .updateTable('recipient_counts')
        .set({ status: 'sending' })
        .where('mailing_id', '=', mailingId)
        .where('status', '=', 'ready')
        .execute();
      return r;
    });
    expect(frozen.total).toBe(6);
    const rows = await ledger.claimBatch(s.db, {
      channels: ['email'],
      claim: 'w1',
      limit: 10,
      leaseUntil: now + 60_000,
      now,
      skipLocked: engine === 'postgres',
    });
    expect(rows).toHaveLength(6);
    for (const r of rows)
      expect(r.message_id).toMatch(
        new RegExp(`^<${mailingId}\\.${frozen.roundId}\\.\\d+\\.[0-9a-f]{18,}@posthorn\\.test>$`),
      );
    const [a, b, c, d, e, f] = rows.map((r) => r.id) as [number, number, number, number, number, number];
    const claims = new Map(rows.map((r) => [r.id, r.claim ?? '']));
    claims.set(f, 'someone-else');
    await ledger.recordOutcomes(
      s.db,
      claims,
      {
        sent: [a],
        failed: [
          { id: b, code: '550', message: 'no such user', reason: 'hardBounce' },
          { id: c, code: 'RECIPIENT_GONE', message: 'gone', reason: 'failed' },
        ],
        retry: [{ id: d, code: '452', message: 'full', at: now + 5000 }],
        deferred: [{ id: e, at: now + 7000 }],
      },
      now,
    );
    const after = await s.db
      .selectFrom('ledger')
      .selectAll()
      .where('round_id', '=', frozen.roundId)
      .execute();
    const byId = new Map(after.map((r) => [r.id, r]));
    expect(byId.get(a)).toMatchObject({ state: 'sent', claim: null, sent_at: now });
    expect(byId.get(b)).toMatchObject({
      state: 'failed',
      last_code: '550',
      last_error: 'no such user',
      attempts: 1,
    });
    expect(byId.get(c)).toMatchObject({ state: 'failed', last_code: 'RECIPIENT_GONE', attempts: 1 });
    expect(byId.get(d)).toMatchObject({ state: 'ready', last_code: '452', attempts: 1, claim: null });
    expect(Number(byId.get(d)?.next_attempt_at)).toBe(now + 5000);
    expect(byId.get(e)).toMatchObject({ state: 'ready', attempts: 0, last_code: null });
    expect(Number(byId.get(e)?.next_attempt_at)).toBe(now + 7000);
    expect(byId.get(f)).toMatchObject({ state: 'sending', claim: 'w1' });
    const recipients = await s.db
      .selectFrom('recipients')
      .select(['id', 'status', 'reason'])
      .where('mailing_id', '=', mailingId)
      .execute();
    const status = new Map(recipients.map((r) => [r.id, `${r.status}/${r.reason ?? ''}`]));
    const rec = (id: number) => status.get(byId.get(id)?.recipient_id ?? 0);
    expect([rec(a), rec(b), rec(c), rec(d), rec(f)]).toEqual([
      'sent/',
      'failed/hardBounce',
      'failed/failed',
      'sending/',
      'sending/',
    ]);
    const counts = await s.db
      .selectFrom('recipient_counts')
      .select(['status', 'reason', 'n'])
      .where('mailing_id', '=', mailingId)
      .where('n', '>', 0)
      .orderBy('status')
      .orderBy('reason')
      .execute();
    expect(counts.map((x) => `${x.status}/${x.reason}:${Number(x.n)}`)).toEqual([
      'failed/failed:1',
      'failed/hardBounce:1',
      'sending/:3',
      'sent/:1',
    ]);
    // the expired lease of the row another claim holds is recovered: ready again, same Message-ID
    expect(await ledger.recoverExpiredLeases(s.db, now + 60_001, false)).toBe(1);
    const back = await s.db.selectFrom('ledger').selectAll().where('id', '=', f).executeTakeFirstOrThrow();
    expect(back).toMatchObject({ state: 'ready', claim: null, message_id: byId.get(f)?.message_id });
  });
});
