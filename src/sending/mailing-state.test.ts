import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import type { ManualClock } from '../core/index.js';
import { moveMailing } from '../mailings/index.js';
import type { Services } from '../services.js';

describe.each(engines)('mailing state only through the lifecycle on %s', (engine) => {
  let s: Services;
  let clock: ManualClock;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    clock = t.clock;
    dispose = t.database.dispose;
  });
  afterAll(async () => dispose());

  const stateOf = async (id: number) =>
    (await s.db.selectFrom('mailings').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;

  it('moves as the table allows, guarded by the state it was read in; a refused or stale move writes nothing', async () => {
    const m = await s.mailings.create({ name: 'Lifecycle', channel: 'email' }, admin);
    const now = clock.now();
    // the worker's pause is the lifecycle's stop: a draft cannot stop
    expect(await moveMailing(s.db, m.id, 'draft', 'stop', now)).toBeNull();
    // read as sending, but it is a draft: the guard refuses (the worker pausing a mailing cancelled meanwhile)
    expect(await moveMailing(s.db, m.id, 'sending', 'stop', now)).toBeNull();
    expect(await stateOf(m.id)).toBe('draft');
    expect(await moveMailing(s.db, m.id, 'draft', 'schedule', now, { scheduled_at: now + 60_000 })).toBe(
      'scheduled',
    );
    const row = await s.db
      .selectFrom('mailings')
      .selectAll()
      .where('id', '=', m.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'scheduled', updated_at: now });
    expect(Number(row.scheduled_at)).toBe(now + 60_000);
    expect(await moveMailing(s.db, m.id, 'scheduled', 'send', now)).toBe('sending');
    expect(await moveMailing(s.db, m.id, 'sending', 'stop', now)).toBe('stopped');
    expect(await moveMailing(s.db, m.id, 'sending', 'finish', now)).toBeNull();
    expect(await stateOf(m.id)).toBe('stopped');
  });
});
