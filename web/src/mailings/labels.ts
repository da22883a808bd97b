import type { Channel, MailingState } from '../api/types';

export const channelLabels: Record<Channel, string> = {
  email: 'E-mail',
  sms: 'SMS',
  document: 'Document',
  formResponse: 'Form response',
};

export const stateLabels: Record<MailingState, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  sending: 'Sending',
  stopped: 'Stopped',
  finished: 'Finished',
  cancelled: 'Cancelled',
  active: 'Active',
};

/** Mantine colours of the state badges (text stays dark enough on the light variant). */
export const stateColors: Record<MailingState, string> = {
  draft: 'gray',
  scheduled: 'blue',
  sending: 'orange',
  stopped: 'red',
  finished: 'green',
  cancelled: 'dark',
  active: 'teal',
};

/** Why a recipient is blocked, in words a marketer reads. */
export const reasonLabels: Record<string, string> = {
  invalidAddress: 'Invalid address',
  blockedAddress: 'Blocked address',
  complained: 'Complained (marked as spam)',
  noConsent: 'No consent',
  noSubscription: 'Not subscribed',
  duplicate: 'Duplicate address',
};

export const recipientStatusLabels: Record<string, string> = {
  ready: 'Ready',
  blocked: 'Blocked',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Failed',
  bounced: 'Bounced',
  complained: 'Complained',
  cancelled: 'Cancelled',
};

export const label = (labels: Record<string, string>, key: string): string => labels[key] ?? key;
