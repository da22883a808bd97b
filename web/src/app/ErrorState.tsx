import { Alert, Button, Code, Group, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconRefresh, IconWifiOff } from '@tabler/icons-react';
import { asSentence, toApiError } from '../api/errors';

/**
 * What a screen shows when its data could not be loaded: the API's message and code, and a
 * retry. Never a blank page.
 */
export function ErrorState({
  error,
  onRetry,
  title,
}: {
  error: unknown;
  onRetry?: (() => void) | undefined;
  title?: string | undefined;
}) {
  const e = toApiError(error);
  const offline = e.status === 0;
  return (
    <Alert
      color={offline ? 'orange' : 'red'}
      variant="light"
      icon={offline ? <IconWifiOff size={20} /> : <IconAlertTriangle size={20} />}
      title={title ?? (offline ? 'No connection to Posthorn' : 'This could not be loaded')}
      role="alert"
    >
      <Stack gap="sm">
        <Text size="sm">{asSentence(e.message)}</Text>
        <Group gap="sm">
          {onRetry && (
            <Button size="xs" variant="white" leftSection={<IconRefresh size={16} />} onClick={onRetry}>
              Try again
            </Button>
          )}
          <Text size="xs" c="dimmed">
            Code <Code>{e.code}</Code>
            {e.status > 0 ? ` · HTTP ${e.status}` : ''}
          </Text>
        </Group>
      </Stack>
    </Alert>
  );
}
