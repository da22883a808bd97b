import { Alert, Code, Group, Skeleton, Stack, Text, Title } from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { asSentence, toApiError } from '../api/errors';
import { ErrorState } from '../app/ErrorState';
import type { PlacedError } from './errors';

/** A section's heading, what it is for, and its main action. */
export function SectionHeader({
  title,
  description,
  action,
}: {
  title: string;
  description: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
      <Stack gap={4} maw={640}>
        <Title order={2} size="h3">
          {title}
        </Title>
        <Text size="sm" c="dimmed">
          {description}
        </Text>
      </Stack>
      {action}
    </Group>
  );
}

/** The API's message and code, as shown under the control the error is about. */
export function ErrorText({ placed }: { placed: PlacedError }) {
  return (
    <>
      {placed.message} <Code>{placed.code}</Code>
    </>
  );
}

/** The error for one field of a form (Mantine's `error` prop), or nothing. */
export function errorAt(placed: PlacedError | null, field: string): ReactNode {
  return placed && placed.field === field ? <ErrorText placed={placed} /> : undefined;
}

/** An API error about no field of the form: above its buttons. */
export function FormError({ placed, title }: { placed: PlacedError | null; title: string }) {
  if (!placed || placed.field !== null) return null;
  return (
    <Alert color={placed.error.status === 0 ? 'orange' : 'red'} variant="light" title={title} role="alert">
      <ErrorText placed={placed} />
    </Alert>
  );
}

/** A list's data, or a loading placeholder, or the error with a retry: never a blank section. */
export function Loaded<T>({
  query,
  what,
  children,
}: {
  query: UseQueryResult<T>;
  /** e.g. "The e-mail accounts" */
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.data !== undefined) return <>{children(query.data)}</>;
  if (query.isError)
    return (
      <ErrorState
        error={query.error}
        onRetry={() => void query.refetch()}
        title={toApiError(query.error).status === 0 ? undefined : `${what} could not be loaded`}
      />
    );
  return (
    <Stack gap="xs" aria-busy="true" aria-label={`Loading: ${what.toLowerCase()}`}>
      <Skeleton height={36} radius="sm" />
      <Skeleton height={36} radius="sm" />
      <Skeleton height={36} radius="sm" />
    </Stack>
  );
}

/** A failed action that is not part of a form (turn off, delete, revoke): a notification with message and code. */
export function notifyFailure(title: string) {
  return (error: unknown) => {
    const e = toApiError(error);
    notifications.show({ color: 'red', title, message: `${asSentence(e.message)} (${e.code})` });
  };
}

/** Asks before something is deleted for good. */
export function confirmDelete({
  title,
  body,
  confirm,
  onConfirm,
}: {
  title: string;
  body: ReactNode;
  confirm: string;
  onConfirm: () => void;
}) {
  modals.openConfirmModal({
    title,
    children: <Text size="sm">{body}</Text>,
    labels: { confirm, cancel: 'Cancel' },
    confirmProps: { color: 'red.9' },
    onConfirm,
  });
}
