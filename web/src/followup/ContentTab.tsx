import { Text } from '@mantine/core';

/** Content (being built). */
export function ContentTab() {
  return <Text size="sm">Coming next.</Text>;
}
