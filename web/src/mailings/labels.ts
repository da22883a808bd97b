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
