import { validateMobile } from '../addresses/index.js';
import type { SmsDelivery, SmsGateway } from '../channels/sms/gateway.js';
import type { ActiveSmsGateway } from '../channels/sms/gateways.service.js';
import type { Clock } from '../core/index.js';
import type { MergeData } from '../merge/index.js';
import type { Prepared, Renderer } from '../render/index.js';
import { mergeDataOfBatch, pickByWeight, preparedOfBatch } from './batch.js';
import type { ChannelSender, LedgerRow, SendOutcome } from './email-sender.js';
import type { ReceiptBook } from './sms-receipts.js';
import type { Throttle } from './throttle.js';

export interface SmsSenderOptions {
  /** SMS in flight at once (across gateways; an SMPP gateway also keeps its own window). */
  concurrency: number;
  /** How often the gateway list is read again (a new or deactivated gateway takes effect). */
  reloadMs?: number | undefined;
}

/**
 * The SMS channel's sender: the renderer prepares the text once per revision key of the mailing
 * (read per batch) and merges it per recipient, as the preview does (verbatim: nothing is escaped
 * in SMS); each message goes to one of the active
 * gateways chosen by weight (the dev outbox when none is configured), at the gateway's rate.
 * Accepted parts are recorded so delivery receipts find their recipient.
 */
export class SmsSender implements ChannelSender {
  private active: { gateways: ActiveSmsGateway[]; at: number; signature: string } | null = null;

  constructor(
    private readonly render: Renderer,
    private readonly source: { open(): Promise<ActiveSmsGateway[]>; signature(): Promise<string> },
    private readonly fallback: SmsGateway,
    private readonly receipts: ReceiptBook,
    private readonly throttle: Throttle,
    private readonly clock: Clock,
    private readonly options: SmsSenderOptions,
  ) {}

  async sendBatch(rows: LedgerRow[]): Promise<SendOutcome[]> {
    const gateways = await this.gateways();
    const prepared = await preparedOfBatch(this.render, rows);
    const data = await mergeDataOfBatch(this.render, rows);
    const out: SendOutcome[] = [];
    const accepted: Array<{ ledgerId: number; gateway: string; providerIds: string[] }> = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++] as LedgerRow;
        const g = pickByWeight(gateways, (x) => x.weight);
        const until = this.throttle.backingOffUntil(`sms:${g.gateway.name}`);
        if (until !== null) {
          out.push({
            id: row.id,
            delivery: {
              ok: false,
              retryable: true,
              code: 'DEFERRED',
              message: `${g.gateway.name} is backing off`,
            },
            deferUntil: until,
          });
          continue;
        }
        const wait = this.throttle.reserveRoute(`sms:${g.gateway.name}`, g.perSecond);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const delivery = await this.sendOne(
          row,
          prepared.get(row.mailing_id) ?? new Error(`mailing ${row.mailing_id} was not prepared`),
          g,
          data.get(row.recipient_id ?? 0),
        );
        this.throttle.report(`sms:${g.gateway.name}`, delivery.ok, !delivery.ok && delivery.retryable);
        if (delivery.ok)
          accepted.push({ ledgerId: row.id, gateway: g.gateway.name, providerIds: delivery.providerIds });
        out.push({ id: row.id, delivery });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, rows.length) }, worker));
    await this.receipts.recordParts(accepted);
    await this.receipts.flush();
    return out;
  }

  async close(): Promise<void> {
    await Promise.all((this.active?.gateways ?? []).map((g) => g.gateway.close()));
    await this.fallback.close();
    this.active = null;
  }

  private async sendOne(
    row: LedgerRow,
    p: Prepared | Error,
    g: ActiveSmsGateway,
    d: MergeData | undefined,
  ): Promise<SmsDelivery> {
    try {
      if (p instanceof Error) throw p;
      if (p.channel !== 'sms') throw new Error(`mailing ${row.mailing_id} is not an SMS mailing`);
      // a test send without a sample recipient has only its number to merge
      const data =
        d ?? (row.test === 1 ? { registered: false, name: null, email: null, mobile: row.address } : null);
      if (!data)
        return {
          ok: false,
          retryable: false,
          code: 'RECIPIENT_GONE',
          message: `recipient ${row.recipient_id} no longer exists`,
        };
      const sms = this.render.renderFor(
        p,
        { id: row.recipient_id ?? 0, address: row.address, data },
        { now: this.clock.now() },
      );
      const text = sms.text;
      const from = sms.sender || g.sender || '';
      if (from === '')
        return {
          ok: false,
          retryable: false,
          code: 'SMS_NO_SENDER',
          message: 'neither the mailing nor the gateway names a sender',
        };
      // recipients are E.164 already; a number without its country takes the gateway's default
      let to = row.address;
      if (!to.startsWith('+') && g.defaultCountry) {
        const v = validateMobile(to, g.defaultCountry);
        if (v.valid) to = v.e164;
      }
      return await g.gateway.send({
        ledgerId: row.id,
        mailingId: row.mailing_id,
        to,
        from,
        text,
        receipts: row.test === 0,
        test: row.test === 1,
      });
    } catch (e) {
      // the mailing's problem (its text does not compile), not the recipient's: retried, and the
      // mailing pauses itself with the reason when it keeps failing
      return {
        ok: false,
        retryable: true,
        code: 'BUILD_FAILED',
        message: e instanceof Error ? e.message : String(e),
      };
    }
  }

  /**
   * The active gateways, read again every `reloadMs`; the connections are kept unless a gateway
   * was added, changed, turned off or removed (then the old ones close after their work).
   */
  private async gateways(): Promise<ActiveSmsGateway[]> {
    const now = this.clock.now();
    if (this.active && now - this.active.at < (this.options.reloadMs ?? 60_000)) return this.active.gateways;
    const signature = await this.source.signature();
    if (this.active && this.active.signature === signature) {
      this.active.at = now;
      return this.active.gateways;
    }
    const old = this.active?.gateways ?? [];
    let gateways = await this.source.open();
    if (gateways.length === 0)
      gateways = [{ gateway: this.fallback, sender: null, defaultCountry: null, perSecond: null, weight: 1 }];
    for (const g of gateways) g.gateway.onReceipt((r) => this.receipts.add(r));
    this.active = { gateways, at: now, signature };
    await Promise.all(old.filter((g) => g.gateway !== this.fallback).map((g) => g.gateway.close()));
    return gateways;
  }
}
