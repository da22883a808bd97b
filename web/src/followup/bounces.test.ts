import { describe, expect, it } from 'vitest';
import { blockedActionWords, bounceKind } from './bounces';

describe('bounceKind', () => {
  it('names the kind from the status and reason', () => {
    expect(bounceKind('bounced', 'hardBounce').label).toBe('Hard bounce');
    expect(bounceKind('bounced', 'softBounce').label).toBe('Soft bounce');
    expect(bounceKind('complained', null).label).toBe('Spam complaint');
    expect(bounceKind('bounced', null).label).toBe('Bounce');
  });
});

describe('blockedActionWords', () => {
  it('say what was done, counted', () => {
    expect(blockedActionWords['former-employee'].done('a@b.no', 1)).toBe(
      '1 person with a@b.no marked as former employee.',
    );
    expect(blockedActionWords['delete-address'].done('a@b.no', 2)).toBe('a@b.no removed from 2 persons.');
    expect(blockedActionWords.clear.done('a@b.no', null)).toBe('a@b.no is no longer blocked.');
  });
});
