import { type NotificationData, notifications } from '@mantine/notifications';
import { asSentence, toApiError } from '../api/errors';

/**
 * A notification whose close button has a name (Mantine's has none, and axe reports a nameless
 * button as critical).
 */
export function notify(data: NotificationData): void {
  notifications.show({ ...data, closeButtonProps: { 'aria-label': 'Dismiss' } });
}

/** The notifier of a failed action: the API's message and code under `title`. */
export const failed = (title: string) => (error: unknown) => {
  const e = toApiError(error);
  notify({ color: 'red', title, message: `${asSentence(e.message)} (${e.code})` });
};

/** The close button of a modal, named (Mantine's has no name). */
export const closeButtonProps = { 'aria-label': 'Close' } as const;
