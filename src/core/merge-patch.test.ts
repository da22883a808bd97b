import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from './errors.js';
import { mergePatch, parseMerged, patchSchemaOf } from './merge-patch.js';

describe('mergePatch (RFC 7396)', () => {
  // Appendix A, every row: original, patch, result
  const appendixA: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(appendixA)('Appendix A: %j patched with %j is %j', (original, patch, result) => {
    expect(mergePatch(original, patch)).toEqual(result);
  });

  it('the example of section 3: title replaced, phoneNumber added, author.familyName removed, tags replaced', () => {
    const original = {
      title: 'Goodbye!',
      author: { givenName: 'John', familyName: 'Doe' },
      tags: ['example', 'sample'],
      content: 'This will be unchanged',
    };
    const patch = {
      title: 'Hello!',
      phoneNumber: '+01-123-456-7890',
      author: { familyName: null },
      tags: ['example'],
    };
    expect(mergePatch(original, patch)).toEqual({
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });

  it('changes neither argument', () => {
    const original = { a: { b: 1, c: [1, 2] }, d: 'x' };
    const patch = { a: { b: null, e: { f: 1 } }, d: null };
    const before = structuredClone({ original, patch });
    const merged = mergePatch(original, patch);
    expect(merged).toEqual({ a: { c: [1, 2], e: { f: 1 } } });
    expect({ original, patch }).toEqual(before);
  });

  it('an undefined member counts as omitted (a TypeScript caller\'s "not given")', () => {
    expect(mergePatch({ a: 1, b: 2 }, { a: undefined, b: 3 })).toEqual({ a: 1, b: 3 });
  });

  it('a "__proto__" key from JSON stays an ordinary member and changes no prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    const merged = mergePatch({}, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual(['__proto__', 'a']);
  });
});

describe('patchSchemaOf', () => {
  const full = z.strictObject({
    name: z.string().min(1),
    flag: z.boolean().default(true),
    note: z.string().nullish(),
    tags: z.array(z.string()).default([]),
    nested: z
      .strictObject({ rule: z.enum(['a', 'b']).default('a'), text: z.string().default('') })
      .default({ rule: 'a', text: '' }),
  });

  it('adds no default: an empty patch stays empty (zod v4 .partial() would fill flag, tags and nested)', () => {
    expect(full.partial().parse({})).toEqual({ flag: true, tags: [], nested: { rule: 'a', text: '' } });
    expect(patchSchemaOf(full).parse({})).toEqual({});
    expect(patchSchemaOf(full).parse({ nested: { text: 'x' } })).toEqual({ nested: { text: 'x' } });
  });

  it('keeps nullable members nullable and refuses null elsewhere, naming the member', () => {
    const p = patchSchemaOf(full);
    expect(p.parse({ note: null })).toEqual({ note: null });
    const r = p.safeParse({ name: null });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['name']);
    expect(p.safeParse({ flag: null }).success).toBe(false);
    expect(p.safeParse({ nested: { rule: null } }).success).toBe(false);
  });

  it('with nullResets, members with a default take null (back to the default)', () => {
    const p = patchSchemaOf(full, { nullResets: true });
    expect(p.parse({ flag: null, nested: { rule: null } })).toEqual({ flag: null, nested: { rule: null } });
    expect(p.safeParse({ name: null }).success).toBe(false);
  });

  it('stays strict, and still validates what is given', () => {
    const p = patchSchemaOf(full);
    expect(p.safeParse({ other: 1 }).success).toBe(false);
    expect(p.safeParse({ nested: { other: 1 } }).success).toBe(false);
    expect(p.safeParse({ name: '' }).success).toBe(false);
    expect(p.safeParse({ nested: { rule: 'c' } }).success).toBe(false);
  });

  it('merged and parsed with the full schema: null is the default, the rest unchanged', () => {
    const stored = full.parse({ name: 'n', flag: false, tags: ['t'], nested: { rule: 'b', text: 'x' } });
    const patch = patchSchemaOf(full, { nullResets: true }).parse({ nested: { rule: null } });
    expect(full.parse(mergePatch(stored, patch))).toEqual({
      name: 'n',
      flag: false,
      tags: ['t'],
      nested: { rule: 'a', text: 'x' },
    });
  });
});

describe('parseMerged', () => {
  it('names the field under where it is, an unknown key included', () => {
    const s = z.strictObject({ from: z.strictObject({ address: z.string().max(3) }) });
    expect(() => parseMerged(s, { from: { address: 'toolong' } }, 'setup', 'SETUP_INVALID')).toThrow(
      expect.objectContaining({ code: 'SETUP_INVALID', details: { field: 'setup.from.address' } }),
    );
    try {
      parseMerged(s, { from: { address: 'a', x: 1 } }, 'setup', 'SETUP_INVALID');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).details).toEqual({ field: 'setup.from.x' });
      expect((e as AppError).message).toMatch(/^setup\.from\.x: /);
    }
  });
});
