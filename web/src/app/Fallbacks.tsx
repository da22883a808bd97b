import { Anchor, Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { ErrorState } from './ErrorState';

/** A route that failed to load (no connection, a server error): the error and a retry. */
export function CenteredError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <Center mih="60vh" p="md">
      <Stack maw={520} w="100%">
        <ErrorState error={error} onRetry={onRetry} />
      </Stack>
    </Center>
  );
}

export function NotFound() {
  return (
    <Center mih="60vh" p="md">
      <Paper withBorder p="xl" radius="md" maw={480}>
        <Stack gap="sm">
          <Title order={1} size="h2">
            Page not found
          </Title>
          <Text>There is no page at this address.</Text>
          <Anchor component={Link} to="/mailings">
            Go to Mailings
          </Anchor>
        </Stack>
      </Paper>
    </Center>
  );
}

/** While a screen's code or data loads (shown after a short delay only). */
export function Pending() {
  return (
    <Center mih="40vh" aria-busy="true">
      <Loader aria-label="Loading" />
    </Center>
  );
}
