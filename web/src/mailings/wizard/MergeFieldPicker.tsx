import { Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type RefObject, useState } from 'react';
import { asSentence, toApiError } from '../../api/errors';
import { mergeFieldsQuery } from '../api';

/** The text with `[[field]]` put where the cursor was (replacing a selection), and the new cursor. */
export function insertAt(
  text: string,
  start: number,
  end: number,
  field: string,
): { text: string; cursor: number } {
  const tag = `[[${field}]]`;
  return { text: text.slice(0, start) + tag + text.slice(end), cursor: start + tag.length };
}

/** "Insert merge field": a searchable list of the catalogue by group; calls `onPick` with a name. */
export function MergeFieldSelect({
  onPick,
  disabled,
}: {
  onPick: (name: string) => void;
  disabled?: boolean | undefined;
}) {
  const fields = useQuery(mergeFieldsQuery);
  // a pick inserts and leaves the list empty for the next one
  const [search, setSearch] = useState('');
  const groups = new Map<string, { value: string; label: string }[]>();
  for (const f of fields.data?.items ?? []) {
    const list = groups.get(f.group) ?? [];
    list.push({ value: f.name, label: `${f.description} — [[${f.name}]]` });
    groups.set(f.group, list);
  }
  return (
    <Select
      label="Insert merge field"
      placeholder={fields.isError ? 'The fields could not be loaded' : 'Search fields, e.g. first name'}
      searchable
      value={null}
      searchValue={search}
      onSearchChange={setSearch}
      disabled={disabled ?? false}
      w={{ base: '100%', sm: 360 }}
      data={[...groups].map(([group, items]) => ({ group, items }))}
      error={
        fields.isError
          ? `${asSentence(toApiError(fields.error).message)} (${toApiError(fields.error).code})`
          : undefined
      }
      onDropdownOpen={() => {
        if (fields.isError) void fields.refetch();
      }}
      onChange={(name) => {
        setSearch('');
        if (name) onPick(name);
      }}
    />
  );
}

/** "Insert merge field": puts `[[name]]` at the cursor of the given text area. */
export function MergeFieldPicker({
  target,
  value,
  onChange,
  disabled,
}: {
  target: RefObject<HTMLTextAreaElement | null>;
  value: string;
  onChange: (next: string) => void;
  disabled?: boolean | undefined;
}) {
  return (
    <MergeFieldSelect
      disabled={disabled}
      onPick={(name) => {
        const el = target.current;
        const start = el?.selectionStart ?? value.length;
        const end = el?.selectionEnd ?? value.length;
        const next = insertAt(value, start, end, name);
        onChange(next.text);
        requestAnimationFrame(() => {
          if (!el) return;
          el.focus();
          el.setSelectionRange(next.cursor, next.cursor);
        });
      }}
    />
  );
}
