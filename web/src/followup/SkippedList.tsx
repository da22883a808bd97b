import { Code, List, Text } from '@mantine/core';
import { useFormat } from '../format/FormatContext';
import { skippedReason } from './actions';
import type { Skipped } from './types';

/** What an action skipped, and why (the API's reasons, counted). */
export function SkippedList({ skipped }: { skipped: readonly Skipped[] }) {
  const format = useFormat();
  if (skipped.length === 0) return null;
  return (
    <>
      <Text size="sm" mt="xs" fw={500}>
        Skipped:
      </Text>
      <List size="sm" spacing={2}>
        {skipped.map((s) => {
          const r = skippedReason(s);
          return (
            <List.Item key={s.reason}>
              {format.number(r.count)} — {r.text} <Code>{r.code}</Code>
            </List.Item>
          );
        })}
      </List>
    </>
  );
}
