import type { MergeData } from '../merge/index.js';
import type { Prepared, Renderer } from '../render/index.js';
import type { LedgerRow } from './email-sender.js';

/** The merge data of a claimed batch, by recipient id: one query per mailing in the batch. */
export async function mergeDataOfBatch(
  render: Pick<Renderer, 'recipientData'>,
  rows: readonly LedgerRow[],
): Promise<Map<number, MergeData>> {
  const data = new Map<number, MergeData>();
  const byMailing = new Map<number, number[]>();
  for (const r of rows)
    if (r.recipient_id !== null)
      byMailing.set(r.mailing_id, [...(byMailing.get(r.mailing_id) ?? []), r.recipient_id]);
  for (const [mailingId, ids] of byMailing)
    for (const [id, d] of await render.recipientData(mailingId, ids)) data.set(id, d);
  return data;
}

/**
 * Each mailing of a claimed batch prepared for its current revision key (read from the database
 * now, one row each: an edit made by any process since the last batch is seen), or the error that
 * keeps it from being prepared.
 */
export async function preparedOfBatch(
  render: Pick<Renderer, 'prepare'>,
  rows: readonly LedgerRow[],
): Promise<Map<number, Prepared | Error>> {
  const out = new Map<number, Prepared | Error>();
  for (const id of new Set(rows.map((r) => r.mailing_id)))
    out.set(
      id,
      await render.prepare(id).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
    );
  return out;
}

/** One item chosen at random in proportion to its weight (accounts, gateways). */
export function pickByWeight<T>(items: readonly T[], weight: (item: T) => number): T {
  if (items.length === 1) return items[0] as T;
  let x = Math.random() * items.reduce((a, i) => a + weight(i), 0);
  for (const i of items) {
    x -= weight(i);
    if (x < 0) return i;
  }
  return items[items.length - 1] as T;
}
