import { Text } from '@mantine/core';

/** Links (being built). */
export function LinksTab() {
  return <Text size="sm">Coming next.</Text>;
}
