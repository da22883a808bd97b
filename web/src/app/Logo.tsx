import { Group, Text } from '@mantine/core';
import favicon from './favicon.svg';

export function Logo({ size = 28 }: { size?: number }) {
  return (
    <Group gap={8} wrap="nowrap">
      <img src={favicon} width={size} height={size} alt="" />
      <Text fw={700} size="lg" c="dark">
        Posthorn
      </Text>
    </Group>
  );
}
