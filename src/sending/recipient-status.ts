import { type Kysely, sql } from 'kysely';
import type { Database } from '../storage/index.js';

/** Recipient rows and the mailing's stored counts follow the ledger, in the same transaction. */
export async function moveRecipients(
  trx: Kysely<Database>,
  done: Array<{ recipient_id: number | null; mailing_id: number }>,
  from: string,
  status: 'sent' | 'failed' | 'delivered' | 'bounced' | 'complained',
  reason: string | null,
  now: number,
): Promise<void> {
  const byMailing = new Map<number, number[]>();
  for (const d of done)
    if (d.recipient_id !== null)
      byMailing.set(d.mailing_id, [...(byMailing.get(d.mailing_id) ?? []), d.recipient_id]);
  for (const [mailingId, ids] of byMailing) {
    const before = await trx
      .selectFrom('recipients')
      .select(['reason', (eb) => eb.fn.countAll<number>().as('n')])
      .where('id', 'in', ids)
      .where('status', '=', from)
      .groupBy('reason')
      .execute();
    const moved = await trx
      .updateTable('recipients')
      .set(
        status === 'sent'
          ? { status, reason, status_at: now, sent_at: now }
          : { status, reason, status_at: now },
      )
      .where('id', 'in', ids)
      .where('status', '=', from)
      .executeTakeFirst();
    for (const b of before) {
      await trx
        .updateTable('recipient_counts')
        .set({ n: sql`n - ${Number(b.n)}` })
        .where('mailing_id', '=', mailingId)
        .where('status', '=', from)
        .where('reason', '=', b.reason ?? '')
        .execute();
    }
    const n = Number(moved.numUpdatedRows);
    if (n > 0)
      await trx
        .insertInto('recipient_counts')
        .values({ mailing_id: mailingId, status, reason: reason ?? '', n })
        .onConflict((oc) =>
          oc.columns(['mailing_id', 'status', 'reason']).doUpdateSet({ n: sql`recipient_counts.n + ${n}` }),
        )
        .execute();
  }
}
