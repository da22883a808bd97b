import { describe, expect, it } from 'vitest';
import { type Folder, folderPath, folderRows, withDescendants } from './folders';

const f = (id: number, name: string, parentId: number | null = null): Folder => ({
  id,
  kind: 'mailing',
  name,
  parentId,
});
const folders = [f(1, 'Newsletters'), f(2, '2026', 1), f(3, 'Events'), f(4, '2025', 1), f(5, 'Q1', 2)];

describe('folderRows', () => {
  it('lists each folder followed by its sub-folders, siblings by name', () => {
    expect(folderRows(folders).map((r) => `${'-'.repeat(r.depth)}${r.name}`)).toEqual([
      'Events',
      'Newsletters',
      '-2025',
      '-2026',
      '--Q1',
    ]);
  });

  it('keeps a folder whose parent is missing, at the top level, and survives a cycle', () => {
    expect(folderRows([f(7, 'Orphan', 99)]).map((r) => [r.name, r.depth])).toEqual([['Orphan', 0]]);
    expect(folderRows([f(1, 'A', 2), f(2, 'B', 1), f(3, 'C')]).map((r) => r.name)).toEqual(['C']);
  });
});

describe('withDescendants', () => {
  it('finds every folder below', () => {
    expect([...withDescendants(folders, 1)].sort()).toEqual([1, 2, 4, 5]);
    expect([...withDescendants(folders, 3)]).toEqual([3]);
  });
});

describe('folderPath', () => {
  it('names the folder from the top', () => {
    expect(folderPath(folders, 5)).toBe('Newsletters / 2026 / Q1');
    expect(folderPath(folders, 42)).toBe('');
  });
});
