import { Alert, Box, Paper, SegmentedControl, Skeleton, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorState } from '../app/ErrorState';
import { firstSentQuery } from './api';
import { can, useViewMailing } from './context';

/**
 * Content: the mailing as its first recipient received it, from the server's render in a frame
 * with sandbox="" (no script, its own origin): the mailing's HTML never enters our page.
 */
export function ContentTab() {
  const { mailing, me } = useViewMailing();
  const first = useQuery(firstSentQuery(mailing.id));
  const [width, setWidth] = useState<'desktop' | 'mobile'>('desktop');
  if (!can(me, 'editMailings'))
    return (
      <Alert color="blue" variant="light">
        The content is shown to those who may edit mailings (the right “Edit mailings”).
      </Alert>
    );
  if (first.isError)
    return (
      <ErrorState
        error={first.error}
        onRetry={() => void first.refetch()}
        title="The content could not be loaded"
      />
    );
  if (!first.data) return <Skeleton height={400} aria-label="Loading the content" />;
  const r = first.data.items[0];
  if (!r)
    return (
      <Text size="sm" c="dimmed">
        Nothing has been sent yet: the content shows once a recipient received it.
      </Text>
    );
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          As {r.name || r.address} received it (merge fields filled in for them; links in this view count
          nothing).
        </Text>
        {mailing.channel === 'email' && (
          <SegmentedControl
            aria-label="Width of the preview"
            w="fit-content"
            value={width}
            onChange={(v) => setWidth(v as 'desktop' | 'mobile')}
            data={[
              { value: 'desktop', label: 'Desktop' },
              { value: 'mobile', label: 'Mobile' },
            ]}
          />
        )}
        <Box
          style={{
            width: width === 'mobile' ? 375 : '100%',
            maxWidth: '100%',
            margin: '0 auto',
            border: '1px solid var(--mantine-color-gray-4)',
          }}
        >
          <iframe
            title="The sent content"
            sandbox=""
            src={`/api/v1/mailings/${mailing.id}/preview/html?recipientId=${r.id}`}
            style={{ width: '100%', height: 720, border: 0, display: 'block', background: 'white' }}
          />
        </Box>
      </Stack>
    </Paper>
  );
}
