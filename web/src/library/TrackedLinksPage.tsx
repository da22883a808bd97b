import { Title } from '@mantine/core';

/** Tracked links (being built). */
export function TrackedLinksPage() {
  return (
    <Title order={1} size="h2">
      Tracked links
    </Title>
  );
}
