import { Title } from '@mantine/core';

/** View mailing (being built). */
export function ViewMailingPage() {
  return (
    <Title order={1} size="h2">
      View mailing
    </Title>
  );
}
