import { type Kysely, sql } from 'kysely';
import type { Delivery } from '../channels/email/transport.js';
import { type Clock, randomToken } from '../core/index.js';
import type { Capabilities, Database } from '../storage/index.js';
import type { DocumentRenderer } from './document-sender.js';
import type { ChannelSender, LedgerRow, SendOutcome } from './email-sender.js';
import { moveRecipients } from './recipient-status.js';
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
    const due = await sql<{
      round_id: number;
      mailing_id: number;
      number: number;
    }>`select l.round_id, l.mailing_id, r.number
      from ledger l join send_rounds r on r.id = l.round_id
      where l.channel = 'document' and l.state = 'ready' and r.state = 'running' and l.next_attempt_at <= ${now}
      limit 1`.execute(this.db);
    const round = due.rows[0];
    if (!round) return 0;
    const claim = `${this.id}:${randomToken(6)}`;
    const count = await this.db
      .selectFrom('ledger')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('round_id', '=', round.round_id)
      .where('state', '=', 'ready')
      .executeTakeFirstOrThrow();
    // the lease covers rendering at a pessimistic 20 ms per letter
    const lease = now + Math.max(this.options.leaseMs, Number(count.n) * 20);
    const claimed = await this.db
      .updateTable('ledger')
      .set({ state: 'sending', claim, lease_until: lease })
      .where('round_id', '=', round.round_id)
      .where('state', '=', 'ready')
      .returningAll()
      .execute();
    if (claimed.length === 0) return 0;
    claimed.sort((a, b) => a.id - b.id);
    try {
      const doc = await renderer.render(round.mailing_id, round.number, claimed);
      const done = this.clock.now();
      await this.db.transaction().execute(async (trx) => {
        const sent = await trx
          .updateTable('ledger')
          .set({ state: 'sent', sent_at: done, claim: null, lease_until: null })
          .where('round_id', '=', round.round_id)
          .where('state', '=', 'sending')
          .where('claim', '=', claim)
          .returning(['recipient_id', 'mailing_id', 'test'])
          .execute();
        for (let i = 0; i < sent.length; i += 1000)
          await moveRecipients(trx, sent.slice(i, i + 1000), 'sending', 'sent', null, done);
        await trx
          .insertInto('documents')
          .values({
            mailing_id: round.mailing_id,
            round_id: round.round_id,
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
      await this.db
        .updateTable('ledger')
        .set({
          state: 'ready',
          claim: null,
          lease_until: null,
          last_code: 'DOCUMENT_FAILED',
          last_error: message.slice(0, 500),
        })
        .where('round_id', '=', round.round_id)
        .where('claim', '=', claim)
        .execute();
      await this.pause(round.mailing_id, `the PDF could not be made: ${message}`.slice(0, 300), now);
    }
    return claimed.length;
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
    const r = await this.db
      .updateTable('ledger')
      .set({ state: hold ? 'held' : 'ready', claim: null, lease_until: null })
      .where('state', '=', 'sending')
      .where('lease_until', '<', this.clock.now())
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  private async claim(): Promise<LedgerRow[]> {
    if (this.channels.length === 0) return [];
    const now = this.clock.now();
    const claim = `${this.id}:${randomToken(6)}`;
    const skipLocked = this.capabilities.skipLocked ? sql`for update of l skip locked` : sql``;
    return this.db.transaction().execute(async (trx) => {
      const picked = await sql<{ id: number }>`select l.id from ledger l
        join send_rounds r on r.id = l.round_id
        where l.state = 'ready' and l.next_attempt_at <= ${now} and r.state = 'running'
          and l.channel in (${sql.join(this.channels)})
        order by l.priority, l.id limit ${this.options.batchSize} ${skipLocked}`.execute(trx);
      const ids = picked.rows.map((p) => Number(p.id));
      if (ids.length === 0) return [];
      return trx
        .updateTable('ledger')
        .set({ state: 'sending', claim, lease_until: now + this.options.leaseMs })
        .where('id', 'in', ids)
        .where('state', '=', 'ready')
        .returningAll()
        .execute();
    });
  }

  private async record(rows: LedgerRow[], outcomes: SendOutcome[]): Promise<void> {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const now = this.clock.now();
    const sent: number[] = [];
    const failed: Array<{ id: number; code: string; message: string }> = [];
    const retry: Array<{ id: number; code: string; message: string; at: number }> = [];
    const deferred: Array<{ id: number; at: number }> = [];
    for (const o of outcomes) {
      const row = byId.get(o.id);
      if (!row) continue;
      if (o.deferUntil !== undefined) {
        deferred.push({ id: o.id, at: o.deferUntil });
        continue;
      }
      this.countFailures(row.mailing_id, o.delivery);
      if (o.delivery.ok) sent.push(o.id);
      else {
        const d = o.delivery;
        const firstTry = row.next_attempt_at - backoff(this.options.retryBaseMs, row.attempts - 1);
        const at = now + backoff(this.options.retryBaseMs, row.attempts);
        if (d.retryable && at - Math.min(firstTry, now) < this.options.retryForMs)
          retry.push({ id: o.id, code: d.code, message: d.message.slice(0, 500), at });
        else failed.push({ id: o.id, code: d.code, message: d.message.slice(0, 500) });
      }
    }
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < sent.length; i += 500) {
        const chunk = sent.slice(i, i + 500);
        const claims = [...new Set(chunk.map((id) => byId.get(id)?.claim ?? ''))];
        const done = await trx
          .updateTable('ledger')
          .set({ state: 'sent', sent_at: now, claim: null, lease_until: null })
          .where('id', 'in', chunk)
          .where('state', '=', 'sending')
          .where('claim', 'in', claims)
          .returning(['recipient_id', 'mailing_id', 'test'])
          .execute();
        await moveRecipients(
          trx,
          done.filter((d) => d.test === 0),
          'sending',
          'sent',
          null,
          now,
        );
      }
      for (const f of failed) {
        const done = await trx
          .updateTable('ledger')
          .set({
            state: 'failed',
            last_code: f.code,
            last_error: f.message,
            claim: null,
            lease_until: null,
            attempts: sql`attempts + 1`,
          })
          .where('id', '=', f.id)
          .where('state', '=', 'sending')
          .where('claim', '=', byId.get(f.id)?.claim ?? '')
          .returning(['recipient_id', 'mailing_id', 'test'])
          .execute();
        await moveRecipients(
          trx,
          done.filter((d) => d.test === 0),
          'sending',
          'failed',
          f.code.startsWith('5') ? 'hardBounce' : 'failed',
          now,
        );
      }
      for (const d of deferred) {
        await trx
          .updateTable('ledger')
          .set({ state: 'ready', claim: null, lease_until: null, next_attempt_at: d.at })
          .where('id', '=', d.id)
          .where('state', '=', 'sending')
          .where('claim', '=', byId.get(d.id)?.claim ?? '')
          .execute();
      }
      for (const r of retry) {
        await trx
          .updateTable('ledger')
          .set({
            state: 'ready',
            last_code: r.code,
            last_error: r.message,
            claim: null,
            lease_until: null,
            next_attempt_at: r.at,
            attempts: sql`attempts + 1`,
          })
          .where('id', '=', r.id)
          .where('state', '=', 'sending')
          .where('claim', '=', byId.get(r.id)?.claim ?? '')
          .execute();
      }
    });
    // a receipt can arrive before the row is recorded as sent: settle those now
    const sms = sent.filter((id) => byId.get(id)?.channel === 'sms');
    if (sms.length > 0) await settleSms(this.db, sms, now);
    for (const [mailingId, f] of this.failures) {
      if (f.count < this.options.pauseAfterFailures || f.paused) continue;
      f.paused = true;
      await this.pause(mailingId, `${f.count} consecutive failures; the last: ${f.last}`, now);
    }
  }

  /** The mailing stops itself and says why (Start resumes it). */
  private async pause(mailingId: number, reason: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const stopped = await trx
        .updateTable('mailings')
        .set({ state: 'stopped', updated_at: now })
        .where('id', '=', mailingId)
        .where('state', '=', 'sending')
        .executeTakeFirst();
      if (Number(stopped.numUpdatedRows) === 1)
        await trx
          .updateTable('send_rounds')
          .set({ state: 'stopped', paused_reason: reason })
          .where('mailing_id', '=', mailingId)
          .where('state', '=', 'running')
          .where('kind', '=', 'bulk')
          .execute();
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
    const done = await sql<{
      id: number;
      mailing_id: number;
      kind: string;
    }>`select r.id, r.mailing_id, r.kind from send_rounds r
      where r.state = 'running' and not exists (
        select 1 from ledger l where l.round_id = r.id and l.state in ('ready', 'sending', 'held'))`.execute(
      this.db,
    );
    for (const r of done.rows) {
      await this.db.transaction().execute(async (trx) => {
        const moved = await trx
          .updateTable('send_rounds')
          .set({ state: 'finished', finished_at: now })
          .where('id', '=', r.id)
          .where('state', '=', 'running')
          .executeTakeFirst();
        // a finished test round says nothing about the mailing
        if (Number(moved.numUpdatedRows) === 1 && r.kind === 'bulk')
          await trx
            .updateTable('mailings')
            .set({ state: 'finished', updated_at: now })
            .where('id', '=', r.mailing_id)
            .where('state', '=', 'sending')
            .execute();
      });
    }
  }
}

function backoff(baseMs: number, attempts: number): number {
  return baseMs * 2 ** Math.max(0, Math.min(attempts, 16));
}
