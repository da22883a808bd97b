import { Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { asSentence, toApiError } from '../api/errors';
import { type Folder, folderPath, folderRows } from '../mailings/folders';
import { foldersQuery } from '../mailings/listApi';

/** The folder a template or tracked link is in ("No folder": the top level). */
export function FolderSelect({
  kind,
  value,
  onChange,
  error,
  readOnly = false,
}: {
  kind: Folder['kind'];
  value: number | null;
  onChange: (folderId: number | null) => void;
  error?: string | undefined;
  readOnly?: boolean;
}) {
  const folders = useQuery(foldersQuery(kind));
  const all = folders.data?.items ?? [];
  const loadError = folders.isError ? toApiError(folders.error) : null;
  const data = [
    { value: 'none', label: 'No folder' },
    ...folderRows(all).map((f) => ({ value: String(f.id), label: folderPath(all, f.id) })),
  ];
  return (
    <Select
      label="Folder"
      data={data}
      value={value === null ? 'none' : String(value)}
      onChange={(v) => onChange(v === null || v === 'none' ? null : Number(v))}
      allowDeselect={false}
      searchable
      nothingFoundMessage="No folder has this name"
      readOnly={readOnly}
      disabled={folders.isPending}
      error={error ?? (loadError ? `${asSentence(loadError.message)} (${loadError.code})` : undefined)}
    />
  );
}
