import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const owner = 'crm/preferences.service.ts';

/** Every TypeScript source under src/, tests and migrations excepted (paths with `/`). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'migrations' ? [] : sources(path);
    if (!e.name.endsWith('.ts') || e.name.endsWith('.test.ts')) return [];
    return [relative(root, path).split(sep).join('/')];
  });
}

// the person's own wishes and the blocked list: written only by crm/preferences
const tables = ['subscriptions', 'consents', 'consents_current', 'blocked_addresses', 'address_bounces'];
const writes = tables.flatMap((t) => [
  new RegExp(
    `(?:insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\\(\\s*['"\`]${t}(?:\\s+as\\s+\\w+)?['"\`]`,
  ),
  new RegExp(`\\b(?:insert\\s+into|update|delete\\s+from)\\s+${t}\\b`, 'i'),
]);

describe('unsubscribes, consent and blocked addresses have one owner (issue 12 §8)', () => {
  it('no file but crm/preferences.service.ts writes subscriptions, consents, blocked_addresses or address_bounces', () => {
    const files = sources(root);
    expect(files).toContain(owner);
    const offenders = files
      .filter((f) => f !== owner)
      .flatMap((f) => {
        const text = readFileSync(join(root, f), 'utf8');
        return writes.filter((re) => re.test(text)).map((re) => `${f}: ${re.source}`);
      });
    expect(offenders).toEqual([]);
  });

  it('the owner is where those writes are (the check finds them)', () => {
    const text = readFileSync(join(root, owner), 'utf8');
    for (const t of ['subscriptions', 'consents', 'blocked_addresses', 'address_bounces'])
      expect(
        writes.some((re) => re.source.includes(t) && re.test(text)),
        t,
      ).toBe(true);
  });
});
