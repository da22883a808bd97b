import { Text } from '@mantine/core';

/** Reports (being built). */
export function ReportsTab() {
  return <Text size="sm">Coming next.</Text>;
}
