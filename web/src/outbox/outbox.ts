import type { OutboxItem } from './types';

export const outboxPageSize = 50;

export type ChannelFilter = 'all' | 'email' | 'sms';

/** The query of GET /outbox for a page (1-based) and channel filter. */
export function outboxParams(
  page: number,
  channel: ChannelFilter,
): {
  limit: number;
  offset: number;
  channel?: 'email' | 'sms';
} {
  const p = Number.isInteger(page) && page > 0 ? page : 1;
  return {
    limit: outboxPageSize,
    offset: (p - 1) * outboxPageSize,
    ...(channel === 'all' ? {} : { channel }),
  };
}

/** Where the captured message is served: our own routes, built from the id (never a URL from data). */
export function messageUrls(id: number): { html: string; raw: string } {
  return { html: `/api/v1/outbox/${id}/html`, raw: `/api/v1/outbox/${id}/raw` };
}

/** The line that names a message in the list: its subject, or what it is when it has none. */
export function messageTitle(item: Pick<OutboxItem, 'channel' | 'subject'>): string {
  if (item.subject && item.subject.trim() !== '') return item.subject;
  return item.channel === 'sms' ? 'SMS' : '(no subject)';
}

/**
 * What the outbox is, in the words of the server's real rule: e-mail is captured when no
 * e-mail account is active and POSTHORN_SMTP_URL is not set; SMS when no SMS gateway is active.
 * `active*` is what the settings say (null: the user may not read them, so it is not known).
 */
export function outboxNotice(
  activeEmailAccounts: number | null,
  activeSmsGateways: number | null,
): {
  title: string;
  body: string;
  relaySet: boolean;
} {
  const base =
    'Messages are kept here instead of being sent when no mail relay is configured: no active e-mail account under Settings and no POSTHORN_SMTP_URL on the server (for SMS: no active SMS gateway). Nobody receives them.';
  if (activeEmailAccounts !== null && activeEmailAccounts > 0) {
    const sms = activeSmsGateways === 0 ? ' SMS are still kept here, as no SMS gateway is active.' : '';
    return {
      title: 'A mail relay is set: new e-mail is really sent',
      body: `${activeEmailAccounts === 1 ? 'An e-mail account is' : `${activeEmailAccounts} e-mail accounts are`} active, so the outbox shows only the e-mail captured before.${sms}`,
      relaySet: true,
    };
  }
  return { title: 'Nothing here was sent', body: base, relaySet: false };
}
