import { Title } from '@mantine/core';

/** Outbox (being built). */
export function OutboxPage() {
  return (
    <Title order={1} size="h2">
      Outbox
    </Title>
  );
}
