import { describe, expect, it } from 'vitest';
import { messageTitle, messageUrls, outboxNotice, outboxParams } from './outbox';

describe('outbox', () => {
  it('pages 50 at a time and filters by channel only when one is chosen', () => {
    expect(outboxParams(1, 'all')).toEqual({ limit: 50, offset: 0 });
    expect(outboxParams(3, 'sms')).toEqual({ limit: 50, offset: 100, channel: 'sms' });
    expect(outboxParams(0, 'email')).toEqual({ limit: 50, offset: 0, channel: 'email' });
  });

  it('builds the frame and raw addresses from the id', () => {
    expect(messageUrls(7)).toEqual({ html: '/api/v1/outbox/7/html', raw: '/api/v1/outbox/7/raw' });
  });

  it('names a message by its subject, or by what it is', () => {
    expect(messageTitle({ channel: 'email', subject: 'Hello' })).toBe('Hello');
    expect(messageTitle({ channel: 'sms', subject: null })).toBe('SMS');
    expect(messageTitle({ channel: 'email', subject: ' ' })).toBe('(no subject)');
  });

  it('says plainly why messages are here, and that a relay set since means only older ones', () => {
    expect(outboxNotice(0, 0)).toMatchObject({ relaySet: false, title: 'Nothing here was sent' });
    expect(outboxNotice(null, null).body).toMatch(/no active e-mail account .* no POSTHORN_SMTP_URL/);
    const set = outboxNotice(2, 0);
    expect(set.relaySet).toBe(true);
    expect(set.body).toBe(
      '2 e-mail accounts are active, so the outbox shows only the e-mail captured before. SMS are still kept here, as no SMS gateway is active.',
    );
    expect(outboxNotice(1, 1).body).toBe(
      'An e-mail account is active, so the outbox shows only the e-mail captured before.',
    );
  });
});
