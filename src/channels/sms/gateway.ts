import type { Delivery } from '../email/index.js';
import type { OutboxService } from '../outbox/index.js';

/** One SMS to one number; the gateway splits it into parts. */
export interface OutgoingSms {
  ledgerId: number | null;
  mailingId: number | null;
  /** E.164 (`+4791234567`). */
  to: string;
  /** An alphanumeric name (max 11 GSM characters) or a phone number. */
  from: string;
  text: string;
  /** Ask the gateway for delivery receipts. */
  receipts: boolean;
  test: boolean;
}

/** What the gateway said: accepted with one gateway id per part, or refused like a relay refuses. */
export type SmsDelivery = (Delivery & { ok: true; providerIds: string[] }) | (Delivery & { ok: false });

/** A delivery receipt from the gateway for one part. */
export interface DeliveryReceipt {
  gateway: string;
  providerId: string;
  state: 'delivered' | 'failed';
  /** The gateway's final state (`UNDELIV`, `EXPIRED` …) and error code, for a failure. */
  error: string | null;
}

/** An SMS gateway account: SMPP, HTTP, or the dev outbox. */
export interface SmsGateway {
  readonly name: string;
  send(sms: OutgoingSms): Promise<SmsDelivery>;
  /** Receipts arrive here (SMPP `deliver_sm`); HTTP gateways report through a webhook instead. */
  onReceipt(listener: (r: DeliveryReceipt) => void): void;
  close(): Promise<void>;
}

/** Captures every SMS in the dev outbox (`GET /api/v1/outbox?channel=sms`) when no gateway is configured. */
export class DevOutboxSmsGateway implements SmsGateway {
  readonly name = 'dev-outbox';
  constructor(private readonly outbox: Pick<OutboxService, 'captureSms'>) {}

  async send(m: OutgoingSms): Promise<SmsDelivery> {
    const id = await this.outbox.captureSms(m);
    return { ok: true, response: 'stored in the dev outbox', providerIds: [`outbox-${id}`] };
  }

  onReceipt(): void {}
  async close(): Promise<void> {}
}
