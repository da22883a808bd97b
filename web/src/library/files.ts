/** A file name for a template's export: its name in plain letters, so the download says what it is. */
export function exportFileName(templateName: string): string {
  const base = templateName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    // letters NFKD does not split into a base letter and a mark (Nordic and German names)
    .replace(/ø/g, 'o')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${base || 'template'}.posthorn-template.json`;
}

/** A file size in the largest unit that keeps it readable (1 KB = 1,024 bytes, as file managers say). */
export function fileSize(bytes: number): { value: number; unit: 'bytes' | 'KB' | 'MB' } {
  if (bytes < 1024) return { value: bytes, unit: 'bytes' };
  if (bytes < 1024 * 1024) return { value: Math.round((bytes / 1024) * 10) / 10, unit: 'KB' };
  return { value: Math.round((bytes / (1024 * 1024)) * 10) / 10, unit: 'MB' };
}

/** The absolute address of a public path (what is pasted into an e-mail or another tool). */
export function absoluteUrl(path: string, origin: string): string {
  return new URL(path, origin).toString();
}
