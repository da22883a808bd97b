import { Title } from '@mantine/core';

/** Templates (being built). */
export function TemplatesPage() {
  return (
    <Title order={1} size="h2">
      Templates
    </Title>
  );
}
