import type { Kysely } from 'kysely';
import type { DeliveryReceipt } from '../channels/sms/gateway.js';
import type { Clock } from '../core/index.js';
import type { Database } from '../storage/index.js';
import { moveRecipients } from './recipient-status.js';

/**
 * Delivery receipts (PRODUCT.md §9: "delivery reports update statuses"). Receipts are queued and
 * applied in bulk; a receipt for a part not yet recorded (a fast gateway can answer before our
 * own write) waits for the next flush, up to `keepMs`. A recipient becomes `delivered` when every
 * part of its SMS is delivered, `failed` (reason `undelivered`) when any part failed.
 */
export class ReceiptBook {
  private queue: Array<DeliveryReceipt & { at: number }> = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly keepMs = 10 * 60_000,
  ) {}

  add(r: DeliveryReceipt): void {
    this.queue.push({ ...r, at: this.clock.now() });
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Records the parts a gateway accepted for a ledger row. */
  async recordParts(
    parts: Array<{ ledgerId: number; gateway: string; providerIds: string[] }>,
  ): Promise<void> {
    const now = this.clock.now();
    const rows = parts.flatMap((p) =>
      p.providerIds.map((id, k) => ({
        ledger_id: p.ledgerId,
        gateway: p.gateway,
        provider_id: id,
        part: k + 1,
        state: 'submitted' as const,
        error: null,
        updated_at: now,
      })),
    );
    for (let i = 0; i < rows.length; i += 500)
      await this.db
        .insertInto('sms_parts')
        .values(rows.slice(i, i + 500))
        .execute();
  }

  /** Applies the queued receipts (one flush at a time). */
  flush(): Promise<void> {
    this.flushing ??= this.apply().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async apply(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const now = this.clock.now();
    const touched = new Set<number>();
    const matched = new Set<DeliveryReceipt>();
    const groups = new Map<string, Array<DeliveryReceipt & { at: number }>>();
    for (const r of batch) {
      const key = `${r.gateway}\u0000${r.state}\u0000${r.error ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const list of groups.values()) {
      const first = list[0] as DeliveryReceipt;
      for (let i = 0; i < list.length; i += 500) {
        const chunk = list.slice(i, i + 500);
        const done = await this.db
          .updateTable('sms_parts')
          .set({ state: first.state, error: first.error, updated_at: now })
          .where('gateway', '=', first.gateway)
          .where(
            'provider_id',
            'in',
            chunk.map((r) => r.providerId),
          )
          .where('state', '=', 'submitted')
          .returning(['ledger_id', 'provider_id'])
          .execute();
        const ids = new Set(done.map((d) => d.provider_id));
        for (const d of done) touched.add(d.ledger_id);
        for (const r of chunk) if (ids.has(r.providerId)) matched.add(r);
      }
    }
    // not matched yet: the part may not be recorded yet; keep it a while
    for (const r of batch) if (!matched.has(r) && now - r.at < this.keepMs) this.queue.push(r);
    await settleSms(this.db, [...touched], now);
  }
}

/** Moves `sent` SMS recipients whose parts are all final to `delivered` or `failed`. */
export async function settleSms(db: Kysely<Database>, ledgerIds: number[], now: number): Promise<void> {
  for (let i = 0; i < ledgerIds.length; i += 500) {
    const ids = ledgerIds.slice(i, i + 500);
    const parts = await db
      .selectFrom('sms_parts')
      .select(['ledger_id', 'state'])
      .where('ledger_id', 'in', ids)
      .execute();
    const state = new Map<number, 'delivered' | 'failed' | 'open'>();
    for (const p of parts) {
      const was = state.get(p.ledger_id) ?? 'delivered';
      state.set(
        p.ledger_id,
        was === 'failed' || p.state === 'failed' ? 'failed' : p.state === 'submitted' ? 'open' : was,
      );
    }
    const ledger = await db
      .selectFrom('ledger')
      .select(['id', 'recipient_id', 'mailing_id'])
      .where('id', 'in', ids)
      .where('state', '=', 'sent')
      .where('test', '=', 0)
      .execute();
    const delivered = ledger.filter((l) => state.get(l.id) === 'delivered');
    const failed = ledger.filter((l) => state.get(l.id) === 'failed');
    if (delivered.length + failed.length === 0) continue;
    await db.transaction().execute(async (trx) => {
      await moveRecipients(trx, delivered, 'sent', 'delivered', null, now);
      await moveRecipients(trx, failed, 'sent', 'failed', 'undelivered', now);
    });
  }
}
