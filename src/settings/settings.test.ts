import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/helpers/databases.js';
import { admin, openTestServices } from '../../test/helpers/services.js';
import type { Services } from '../services.js';

describe.each(engines)('settings on %s', (engine) => {
  let s: Services;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const t = await openTestServices(engine);
    s = t.services;
    dispose = t.database.dispose;
  });
  afterAll(async () => dispose());

  it('start with their defaults, and a patch changes only what it names', async () => {
    expect(await s.settings.get()).toEqual({
      privacyFilter: true,
      bounceThreshold: 5,
      linkExpiryDays: 21,
      onlyApprovedDomains: false,
      expiredLeases: 'resend',
      // the server's own zone until an admin chooses one
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
    await s.settings.update({ privacyFilter: false }, admin);
    await s.settings.update({ bounceThreshold: 3 }, admin);
    expect(await s.settings.get()).toMatchObject({ privacyFilter: false, bounceThreshold: 3 });
    await expect(s.settings.update({ bounceThreshold: 0 }, admin)).rejects.toThrow();
    expect((await s.settings.get()).bounceThreshold).toBe(3);
  });

  it('a patch is a merge patch: null puts one setting back to its default, the others stay', async () => {
    await s.settings.update({ privacyFilter: false, linkExpiryDays: 30, expiredLeases: 'hold' }, admin);
    expect(await s.settings.update({ linkExpiryDays: null }, admin)).toMatchObject({
      privacyFilter: false,
      linkExpiryDays: 21,
      expiredLeases: 'hold',
    });
    // what a route hands over is parsed already: parsing must not add the omitted settings
    expect(await s.settings.update({ expiredLeases: 'resend' }, admin)).toMatchObject({
      privacyFilter: false,
      linkExpiryDays: 21,
      expiredLeases: 'resend',
    });
  });
});
