import { Title } from '@mantine/core';

/** Images (being built). */
export function ImagesPage() {
  return (
    <Title order={1} size="h2">
      Images
    </Title>
  );
}
