import { Text } from '@mantine/core';

/** Bounces (being built). */
export function BouncesTab() {
  return <Text size="sm">Coming next.</Text>;
}
