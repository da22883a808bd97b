import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyLineSet } from './key-set.js';

describe('KeyLineSet', () => {
  it('remembers the first line of each key, across growth', () => {
    const s = new KeyLineSet(4);
    for (let i = 0; i < 50_000; i++) expect(s.add(`person${i}@example.com`, i + 2)).toBeUndefined();
    expect(s.size).toBe(50_000);
    expect(s.add('person7@example.com', 99_999)).toBe(9);
    expect(s.get('person49999@example.com')).toBe(50_001);
    expect(s.get('nobody@example.com')).toBeUndefined();
    expect(s.add('line0@example.com', 0)).toBeUndefined();
    expect(s.get('line0@example.com')).toBe(0);
  });
  it('property: behaves like a Map of first occurrences', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 300 }), (keys) => {
        const s = new KeyLineSet();
        const m = new Map<string, number>();
        keys.forEach((k, i) => {
          expect(s.add(k, i)).toBe(m.get(k));
          if (!m.has(k)) m.set(k, i);
        });
        expect(s.size).toBe(m.size);
      }),
    );
  });
});
