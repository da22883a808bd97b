import type { Kysely } from 'kysely';
import { type Delivery, isHardBounce } from '../channels/email/transport.js';
import { type Clock, randomToken } from '../core/index.js';
import { type MailingState, moveMailing } from '../mailings/index.js';
import type { Capabilities, Database } from '../storage/index.js';
import type { DocumentRenderer } from './document-sender.js';
import type { ChannelSender, SendOutcome } from './email-sender.js';
import type { BatchOutcomes, LedgerRow } from './ledger.store.js';
import * as ledger from './ledger.store.js';
import { settleSms } from './sms-receipts.js';

/** The channels a worker sends: a worker claims only rows of channels it has a sender for. */
export interface WorkerSenders {
  email?: ChannelSender | undefined;
  sms?: ChannelSender | undefined;
  document?: DocumentRenderer | undefined;
}

export interface WorkerOptions {
  /** Ledger rows claimed at once. */
  batchSize: number;
  /** How long a claim holds; a worker that dies is recovered after this. */
  leaseMs: number;
  /** Temporary failures retry with exponential back-off, until this long after the first try. */
  retryForMs: number;
  /** First retry delay; doubles per attempt. */
  retryBaseMs: number;
  /** After this many consecutive failures in one batch-run the mailing pauses itself. */
  pauseAfterFailures: number;
}

export const defaultWorkerOptions: WorkerOptions = {
  batchSize: 200,
  leaseMs: 5 * 60_000,
  retryForMs: 3 * 24 * 3_600_000,
  retryBaseMs: 60_000,
  pauseAfterFailures: 50,
};

/**
 * A send worker. Each `tick` recovers expired leases, claims a batch of ready ledger rows with a
 * lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so any number of workers share the work), sends
 * them, and records the outcomes in batched updates guarded by the claim: a row is finished only
 * by the worker that holds it, so two workers can never both finish the same recipient.
 *
 * Guarantee: every ledger row ends `sent`, `failed` or `cancelled` exactly once in the ledger. A
 * row whose relay acknowledgement was lost in a crash is sent again with the same Message-ID after
 * its lease expires (at most the rows in flight at the crash).
 */
export class SendWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  readonly id = randomToken(8);
  /** Ledger channels claimed in batches (a form response is e-mail). */
  private get channels(): string[] {
    return [...(this.senders.email ? ['email', 'formResponse'] : []), ...(this.senders.sms ? ['sms'] : [])];
  }

  constructor(
    private readonly db: Kysely<Database>,
    private readonly capabilities: Capabilities,
    private readonly clock: Clock,
    private readonly senders: WorkerSenders,
    private readonly options: WorkerOptions = defaultWorkerOptions,
  ) {}

  /** One round of work; returns how many rows it handled (0: nothing to do). */
  async tick(): Promise<number> {
    await this.recoverExpired();
    const letters = this.senders.document ? await this.documentRound(this.senders.document) : 0;
    const rows = await this.claim();
    if (rows.length === 0) {
      await this.finishRounds();
      return letters;
    }
    const outcomes: SendOutcome[] = [];
    for (const channel of ['email', 'sms'] as const) {
      const mine = rows.filter((r) => (channel === 'email' ? r.channel !== 'sms' : r.channel === 'sms'));
      const sender = this.senders[channel];
      if (mine.length > 0 && sender) outcomes.push(...(await sender.sendBatch(mine)));
    }
    await this.record(rows, outcomes);
    await this.finishRounds();
    return rows.length + letters;
  }

  /**
   * A document round is one job: all its ready rows are claimed at once (one PDF holds them all,
   * in ledger order), the PDF is rendered, and the rows become `sent` ("included") together. If
   * rendering fails the rows are released and the mailing stops with the reason.
   */
  private async documentRound(renderer: DocumentRenderer): Promise<number> {
    const now = this.clock.now();
    const claim = `${this.id}:${randomToken(6)}`;
    const round = await ledger.claimDocumentRound(this.db, { claim, leaseMs: this.options.leaseMs, now });
    if (!round) return 0;
    try {
      const doc = await renderer.render(round.mailingId, round.number, round.rows);
      const done = this.clock.now();
      await this.db.transaction().execute(async (trx) => {
        await ledger.recordDocumentIncluded(trx, round.roundId, claim, done);
        await trx
          .insertInto('documents')
          .values({
            mailing_id: round.mailingId,
            round_id: round.roundId,
            file: doc.file,
            letters: doc.letters,
            pages: doc.pages,
            bytes: doc.bytes,
            created_at: done,
          })
          .execute();
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await ledger.releaseDocumentClaim(this.db, round.roundId, claim, message);
      await this.pause(round.mailingId, `the PDF could not be made: ${message}`.slice(0, 300), now);
    }
    return round.rows.length;
  }

  /** Runs ticks until stopped; idles `idleMs` between empty ticks. A failing tick is reported to `onError` and retried after the idle time. */
  start(idleMs = 500, onError: (error: unknown) => void = () => undefined): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let n = 0;
        try {
          n = await this.tick();
        } catch (e) {
          onError(e);
          n = 0;
        }
        if (n === 0 && this.running) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, idleMs);
            this.wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          this.wake = null;
        }
      }
    })();
  }

  /** Graceful stop: claims nothing more, lets the batch in flight finish and record. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  /** Rows whose lease expired (their worker died) are ready again with the same Message-ID, or held for review (the `expiredLeases` setting). */
  async recoverExpired(): Promise<number> {
    const setting = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'expiredLeases')
      .executeTakeFirst();
    const hold = setting?.value === '"hold"';
    return ledger.recoverExpiredLeases(this.db, this.clock.now(), hold);
  }

  private async claim(): Promise<LedgerRow[]> {
    const now = this.clock.now();
    return ledger.claimBatch(this.db, {
      channels: this.channels,
      claim: `${this.id}:${randomToken(6)}`,
      limit: this.options.batchSize,
      leaseUntil: now + this.options.leaseMs,
      now,
      skipLocked: this.capabilities.skipLocked,
    });
  }

  private async record(rows: LedgerRow[], outcomes: SendOutcome[]): Promise<void> {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const now = this.clock.now();
    const o: BatchOutcomes = { sent: [], failed: [], retry: [], deferred: [] };
    for (const out of outcomes) {
      const row = byId.get(out.id);
      if (!row) continue;
      if (out.deferUntil !== undefined) {
        o.deferred.push({ id: out.id, at: out.deferUntil });
        continue;
      }
      this.countFailures(row.mailing_id, out.delivery);
      if (out.delivery.ok) o.sent.push(out.id);
      else {
        const d = out.delivery;
        const message = d.message.slice(0, 500);
        const firstTry = row.next_attempt_at - backoff(this.options.retryBaseMs, row.attempts - 1);
        const at = now + backoff(this.options.retryBaseMs, row.attempts);
        if (d.retryable && at - Math.min(firstTry, now) < this.options.retryForMs)
          o.retry.push({ id: out.id, code: d.code, message, at });
        else
          o.failed.push({
            id: out.id,
            code: d.code,
            message,
            // only a relay's refusal of an e-mail recipient is a bounce; a refused SMS is a failure
            reason: row.channel !== 'sms' && isHardBounce(d) ? 'hardBounce' : 'failed',
          });
      }
    }
    await ledger.recordOutcomes(this.db, new Map(rows.map((r) => [r.id, r.claim ?? ''])), o, now);
    // a receipt can arrive before the row is recorded as sent: settle those now
    const sms = o.sent.filter((id) => byId.get(id)?.channel === 'sms');
    if (sms.length > 0) await settleSms(this.db, sms, now);
    for (const [mailingId, f] of this.failures) {
      if (f.count < this.options.pauseAfterFailures || f.paused) continue;
      f.paused = true;
      await this.pause(mailingId, `${f.count} consecutive failures; the last: ${f.last}`, now);
    }
  }

  /**
   * The mailing stops itself and says why (Start resumes it): the lifecycle's `stop`, guarded by
   * the state it was read in; its bulk rounds stop with the reason.
   */
  private async pause(mailingId: number, reason: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const state = await mailingState(trx, mailingId);
      if (state === null || (await moveMailing(trx, mailingId, state, 'stop', now)) === null) return;
      await ledger.stopRounds(trx, mailingId, reason);
    });
  }

  private readonly failures = new Map<number, { count: number; last: string; paused: boolean }>();

  /** Consecutive failed deliveries per mailing (a delivery resets the count). */
  private countFailures(mailingId: number, delivery: Delivery): void {
    if (delivery.ok) {
      this.failures.delete(mailingId);
      return;
    }
    const f = this.failures.get(mailingId) ?? { count: 0, last: '', paused: false };
    f.count += 1;
    f.last = `${delivery.code} ${delivery.message}`.slice(0, 200);
    this.failures.set(mailingId, f);
  }

  /** A running round with nothing left ready or in flight is finished, and so is its mailing. */
  private async finishRounds(): Promise<void> {
    const now = this.clock.now();
    for (const r of await ledger.roundsToFinish(this.db)) {
      await this.db.transaction().execute(async (trx) => {
        const finished = await ledger.finishRound(trx, r.id, now);
        // a finished test round says nothing about the mailing
        if (!finished || r.kind !== 'bulk') return;
        const state = await mailingState(trx, r.mailing_id);
        if (state !== null) await moveMailing(trx, r.mailing_id, state, 'finish', now);
      });
    }
  }
}

async function mailingState(db: Kysely<Database>, mailingId: number): Promise<MailingState | null> {
  const m = await db.selectFrom('mailings').select('state').where('id', '=', mailingId).executeTakeFirst();
  return m ? m.state : null;
}

function backoff(baseMs: number, attempts: number): number {
  return baseMs * 2 ** Math.max(0, Math.min(attempts, 16));
}
