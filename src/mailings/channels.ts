import { invalid } from '../core/index.js';

export const channels = ['email', 'sms', 'document', 'formResponse'] as const;
export type Channel = (typeof channels)[number];

/** What a channel can do: PRODUCT.md §3, the one place it is decided. */
export interface ChannelCapabilities {
  recipientSources: boolean;
  fileImport: boolean;
  trackedLinks: boolean;
  subscriptionLinks: boolean;
  openTracking: boolean;
  attachments: boolean;
  testSend: boolean;
  overrideConsent: boolean;
  onePerAddress: boolean;
  refreshOnSend: boolean;
  includeCompanies: boolean;
  /** The wizard has a Recipients and a Confirm step. */
  recipientsStep: boolean;
}

export const capabilityMatrix: Record<Channel, ChannelCapabilities> = {
  email: {
    recipientSources: true,
    fileImport: true,
    trackedLinks: true,
    subscriptionLinks: true,
    openTracking: true,
    attachments: true,
    testSend: true,
    overrideConsent: true,
    onePerAddress: true,
    refreshOnSend: true,
    includeCompanies: true,
    recipientsStep: true,
  },
  sms: {
    recipientSources: true,
    fileImport: true,
    trackedLinks: false,
    subscriptionLinks: false,
    openTracking: false,
    attachments: false,
    testSend: true,
    overrideConsent: true,
    onePerAddress: true,
    refreshOnSend: true,
    includeCompanies: false,
    recipientsStep: true,
  },
  document: {
    recipientSources: true,
    fileImport: false,
    trackedLinks: false,
    subscriptionLinks: false,
    openTracking: false,
    attachments: false,
    testSend: false,
    overrideConsent: true,
    onePerAddress: false,
    refreshOnSend: false,
    includeCompanies: true,
    recipientsStep: true,
  },
  formResponse: {
    recipientSources: false,
    fileImport: false,
    trackedLinks: true,
    subscriptionLinks: true,
    openTracking: true,
    attachments: true,
    testSend: true,
    overrideConsent: false,
    onePerAddress: false,
    refreshOnSend: false,
    includeCompanies: false,
    recipientsStep: false,
  },
};

const capabilityNames: Record<keyof ChannelCapabilities, string> = {
  recipientSources: 'recipient sources',
  fileImport: 'recipients from a file',
  trackedLinks: 'tracked links, track-all-links and UTM tags',
  subscriptionLinks: 'subscription links',
  openTracking: 'open tracking and view online',
  attachments: 'attachments',
  testSend: 'test sends',
  overrideConsent: 'override consent',
  onePerAddress: 'one message per address',
  refreshOnSend: 'update list when sending',
  includeCompanies: 'include companies and prefer company',
  recipientsStep: 'a recipient list',
};

/** Throws `CHANNEL_CAPABILITY_MISSING` (naming channel and capability) when the channel cannot do it. */
export function requireCapability(
  channel: Channel,
  capability: keyof ChannelCapabilities,
  field?: string,
): void {
  if (!capabilityMatrix[channel][capability]) {
    throw invalid(
      'CHANNEL_CAPABILITY_MISSING',
      `a ${channel} mailing has no ${capabilityNames[capability]}`,
      {
        channel,
        capability,
        ...(field ? { field } : {}),
      },
    );
  }
}
