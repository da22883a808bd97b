import { Anchor, Paper, Stack, Text, Title } from '@mantine/core';
import { useRouterState } from '@tanstack/react-router';
import { navItems } from '../app/nav';

/** A screen of the navigation that is not built yet: says so, and what to use meanwhile. */
export function ComingLater() {
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const item = navItems.find((i) => pathname.startsWith(i.to));
  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {item?.label ?? 'Coming later'}
      </Title>
      <Paper withBorder p="lg" radius="md">
        <Text>This screen is not in the web interface yet; it comes in a later version.</Text>
        <Text c="dimmed" size="sm" mt="xs">
          Until then, an administrator can do this through the API (see the{' '}
          <Anchor href="/api/docs" size="sm">
            API docs
          </Anchor>
          ).
        </Text>
      </Paper>
    </Stack>
  );
}
