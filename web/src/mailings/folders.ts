/** GET /api/v1/folders (src/mailings/folders.service.ts) */
export interface Folder {
  id: number;
  kind: 'mailing' | 'template' | 'link' | 'form';
  name: string;
  parentId: number | null;
}

/** A folder in tree order, with how deep it is (0: top level). */
export interface FolderRow extends Folder {
  depth: number;
}

/**
 * The folders as a tree, flattened in reading order: each folder followed by its sub-folders,
 * siblings by name. A folder whose parent is missing shows at the top level (so none is lost);
 * folders in a cycle (which the API refuses) are left out rather than hanging the screen.
 */
export function folderRows(folders: readonly Folder[]): FolderRow[] {
  const ids = new Set(folders.map((f) => f.id));
  const children = new Map<number | null, Folder[]>();
  for (const f of folders) {
    const parent = f.parentId !== null && ids.has(f.parentId) && f.parentId !== f.id ? f.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), f]);
  }
  for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const rows: FolderRow[] = [];
  const seen = new Set<number>();
  const walk = (parent: number | null, depth: number) => {
    for (const f of children.get(parent) ?? []) {
      if (seen.has(f.id)) continue;
      seen.add(f.id);
      rows.push({ ...f, depth });
      walk(f.id, depth + 1);
    }
  };
  walk(null, 0);
  return rows;
}

/** The folder and every folder below it (what deleting it removes). */
export function withDescendants(folders: readonly Folder[], id: number): Set<number> {
  const found = new Set<number>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const f of folders)
      if (f.parentId !== null && found.has(f.parentId) && !found.has(f.id)) {
        found.add(f.id);
        grew = true;
      }
  }
  return found;
}

/** The folder's path from the top, e.g. "Newsletters / 2026". */
export function folderPath(folders: readonly Folder[], id: number): string {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const names: string[] = [];
  const seen = new Set<number>();
  for (
    let f = byId.get(id);
    f && !seen.has(f.id);
    f = f.parentId === null ? undefined : byId.get(f.parentId)
  ) {
    seen.add(f.id);
    names.unshift(f.name);
  }
  return names.join(' / ');
}
