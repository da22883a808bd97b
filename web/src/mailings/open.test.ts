import { describe, expect, it } from 'vitest';
import { opensInView } from './open';

describe('opensInView', () => {
  it('opens drafts and scheduled mailings in the wizard', () => {
    expect(opensInView('draft')).toBe(false);
    expect(opensInView('scheduled')).toBe(false);
  });

  it('opens every mailing that has started sending in View mailing', () => {
    for (const state of ['sending', 'stopped', 'finished', 'cancelled'] as const)
      expect(opensInView(state)).toBe(true);
  });
});
