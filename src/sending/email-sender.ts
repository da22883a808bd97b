import type { Delivery, EmailTransport } from '../channels/email/transport.js';
import type { Clock } from '../core/index.js';
import type { MergeData } from '../merge/index.js';
import { MessageNotBuiltError, type PreparedEmail, type Renderer } from '../render/index.js';
import { mergeDataOfBatch, preparedOfBatch } from './batch.js';
import type { LedgerRow } from './ledger.store.js';
import type { Throttle } from './throttle.js';

export type { LedgerRow };

export interface SendOutcome {
  id: number;
  delivery: Delivery;
  /** Not tried: its destination is backing off until then (no attempt is counted). */
  deferUntil?: number | undefined;
}

/** Sends claimed ledger rows of one channel. */
export interface ChannelSender {
  sendBatch(rows: LedgerRow[]): Promise<SendOutcome[]>;
}

export interface EmailSenderOptions {
  /** Messages in flight at once (the relay pool's connections). */
  concurrency: number;
}

/**
 * The e-mail channel's sender. Per batch, each mailing in it is prepared by the renderer for its
 * current revision key (one row read; compiled again only after an edit, in whatever process it
 * was made) and the merge data is read in a few queries; per recipient the renderer makes the
 * message (the same code as the preview) and the transport sends it. Headers: Message-ID from
 * the ledger, List-Unsubscribe (https + mailto) and List-Unsubscribe-Post when the mailing has a
 * subscription type, Feedback-ID, and a VERP return path per recipient.
 */
export class EmailSender implements ChannelSender {
  constructor(
    private readonly render: Renderer,
    private readonly transport: EmailTransport,
    private readonly options: EmailSenderOptions,
    private readonly throttle: Throttle,
    private readonly clock: Clock,
  ) {}

  async sendBatch(rows: LedgerRow[]): Promise<SendOutcome[]> {
    await this.transport.ready?.();
    const concurrency = Math.max(this.options.concurrency, this.transport.concurrency ?? 0);
    const out: SendOutcome[] = [];
    const prepared = await preparedOfBatch(this.render, rows);
    // merge data for the whole batch, per mailing, in a few queries
    const data = await mergeDataOfBatch(this.render, rows);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++] as LedgerRow;
        // a test send without a sample recipient has only its address to merge
        const d =
          data.get(row.recipient_id ?? 0) ??
          (row.test === 1 ? { registered: false, name: null, email: row.address } : undefined);
        const destination = row.address.slice(row.address.lastIndexOf('@') + 1).toLowerCase();
        const until = this.throttle.backingOffUntil(destination);
        if (until !== null) {
          out.push({
            id: row.id,
            delivery: {
              ok: false,
              retryable: true,
              code: 'DEFERRED',
              message: `${destination} is backing off`,
            },
            deferUntil: until,
          });
          continue;
        }
        const p = prepared.get(row.mailing_id);
        const email =
          p && !(p instanceof Error) && p.channel !== 'sms' && p.channel !== 'document' ? p : null;
        // a mailing that cannot be prepared fails in sendOne with the reason
        const wait = this.throttle.reserve(email?.fromDomain ?? '', destination);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const delivery = await this.sendOne(
          row,
          email ?? (p instanceof Error ? p : new Error('not an e-mail mailing')),
          d,
        );
        this.throttle.report(destination, delivery.ok, !delivery.ok && delivery.retryable);
        out.push({ id: row.id, delivery });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
    return out;
  }

  private async sendOne(
    row: LedgerRow,
    p: PreparedEmail | Error,
    data: MergeData | undefined,
  ): Promise<Delivery> {
    // the mailing's problem (its content, a key, a file), not the recipient's: retried, and the
    // mailing pauses itself with this reason when it keeps failing
    if (p instanceof Error) return { ok: false, retryable: true, code: 'BUILD_FAILED', message: p.message };
    const recipientId = row.recipient_id ?? 0;
    if (!data)
      return {
        ok: false,
        retryable: false,
        code: 'RECIPIENT_GONE',
        message: `recipient ${recipientId} no longer exists`,
      };
    try {
      const test = row.test === 1;
      const m = await this.render.renderFor(
        p,
        { id: recipientId, address: row.address, data },
        {
          kind: 'send',
          test,
          messageId: row.message_id,
          roundId: row.round_id,
          date: new Date(),
          now: this.clock.now(),
        },
      );
      return await this.transport.send({
        ledgerId: row.id,
        mailingId: row.mailing_id,
        from: m.envelopeFrom,
        to: row.address,
        subject: m.subject,
        raw: m.raw,
        test,
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return e instanceof MessageNotBuiltError
        ? { ok: false, retryable: true, code: 'MESSAGE_NOT_BUILT', message }
        : { ok: false, retryable: true, code: 'BUILD_FAILED', message };
    }
  }
}
