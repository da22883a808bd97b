/** GET /api/v1/outbox (src/channels/outbox/outbox.service.ts), typed by hand until the route declares it. */
export interface OutboxItem {
  id: number;
  mailingId: number | null;
  channel: 'email' | 'sms';
  address: string;
  /** The SMTP envelope sender (the VERP return path); null for SMS. */
  envelopeFrom: string | null;
  subject: string | null;
  test: boolean;
  createdAt: number;
  raw: string;
  html: string;
}
