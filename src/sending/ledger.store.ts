import { type Kysely, type Selectable, sql } from 'kysely';
import { randomToken } from '../core/index.js';
import type { Database, LedgerTable } from '../storage/index.js';
import { moveRecipients } from './recipient-status.js';

/**
 * The one writer of the `ledger` and `send_rounds` tables (docs/decisions/0004-send-ledger.md).
 * Every state change of a ledger row is guarded by the state it expects (and, for a claimed row,
 * by its claim), so two workers can never both finish one row; the recipients and their counts
 * follow in the same transaction. Functions take the database or the caller's transaction.
 */

export type LedgerRow = Selectable<LedgerTable>;

/** Lanes: lower is claimed first, so test and transactional sends never wait behind bulk. */
export const priorities = { test: 0, transactional: 1, bulk: 5 } as const;

const int = (v: number) => sql`cast(${v} as integer)`;
const big = (v: number) => sql`cast(${v} as bigint)`;
const text = (v: string) => sql`cast(${v} as text)`;

/**
 * A new running round in the lane of its kind. Bulk rounds are numbered 1, 2, 3 … (the rounds a
 * user sees: the send, each resend); test sends count down from -1 so they never take a number.
 */
async function insertRound(
  trx: Kysely<Database>,
  r: { mailingId: number; kind: 'bulk' | 'test'; total: number; createdBy: string; now: number },
): Promise<{ id: number }> {
  const last = await trx
    .selectFrom('send_rounds')
    .select((eb) => (r.kind === 'bulk' ? eb.fn.max<number>('number') : eb.fn.min<number>('number')).as('n'))
    .where('mailing_id', '=', r.mailingId)
    .where('kind', '=', r.kind)
    .executeTakeFirst();
  const n = Number(last?.n ?? 0);
  return trx
    .insertInto('send_rounds')
    .values({
      mailing_id: r.mailingId,
      number: r.kind === 'bulk' ? Math.max(n, 0) + 1 : Math.min(n, 0) - 1,
      kind: r.kind,
      state: 'running',
      priority: priorities[r.kind],
      total: r.total,
      paused_reason: null,
      created_by: r.createdBy,
      created_at: r.now,
      started_at: r.now,
      finished_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/**
 * Freezes every `ready` recipient of the mailing into a new bulk round's ledger with one
 * `INSERT … SELECT` (run it in the transaction that moves the mailing to `sending`). Message-IDs
 * are fixed here, per row (`<mailing.round.recipient.secret@domain>`), so a resend after a crash
 * carries the same Message-ID. Returns the round and how many rows it holds.
 */
export async function freezeRound(
  trx: Kysely<Database>,
  r: {
    mailingId: number;
    channel: string;
    /** The right part of the Message-IDs (`messageIdDomain`). */
    domain: string;
    engine: 'sqlite' | 'postgres';
    createdBy: string;
    now: number;
  },
): Promise<{ roundId: number; total: number }> {
  // a secret part per message: bounces may be matched by the original Message-ID, so one
  // recipient's own Message-ID must not let them work out another's (docs/security.md)
  const secretPart =
    r.engine === 'sqlite' ? sql`lower(hex(randomblob(9)))` : sql`replace(gen_random_uuid()::text, '-', '')`;
  const round = await insertRound(trx, {
    mailingId: r.mailingId,
    kind: 'bulk',
    total: 0,
    createdBy: r.createdBy,
    now: r.now,
  });
  await sql`insert into ledger (round_id, mailing_id, recipient_id, address, priority, state, message_id, attempts, next_attempt_at, channel)
    select ${round.id}, ${r.mailingId}, r.id, r.address, ${priorities.bulk}, 'ready',
      '<' || ${`${r.mailingId}.${round.id}.`} || r.id || '.' || ${secretPart} || '@' || ${r.domain} || '>', 0, ${r.now}, ${r.channel}
    from recipients r where r.mailing_id = ${r.mailingId} and r.status = 'ready'`.execute(trx);
  const total = await trx
    .selectFrom('ledger')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('round_id', '=', round.id)
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('send_rounds')
    .set({ total: Number(total.n) })
    .where('id', '=', round.id)
    .execute();
  return { roundId: round.id, total: Number(total.n) };
}

/** A test round: one ledger row per address in the test lane, merged with `sampleRecipientId`'s values. */
export async function insertTestRound(
  db: Kysely<Database>,
  r: {
    mailingId: number;
    channel: LedgerRow['channel'];
    addresses: string[];
    sampleRecipientId: number | null;
    domain: string;
    createdBy: string;
    now: number;
  },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const round = await insertRound(trx, {
      mailingId: r.mailingId,
      kind: 'test',
      total: r.addresses.length,
      createdBy: r.createdBy,
      now: r.now,
    });
    await trx
      .insertInto('ledger')
      .values(
        r.addresses.map((address, k) => ({
          round_id: round.id,
          mailing_id: r.mailingId,
          recipient_id: r.sampleRecipientId,
          address,
          priority: priorities.test,
          state: 'ready' as const,
          message_id: `<test.${r.mailingId}.${round.id}.${k}.${randomToken(6)}@${r.domain}>`,
          attempts: 0,
          next_attempt_at: r.now,
          test: 1 as const,
          channel: r.channel,
        })),
      )
      .execute();
    return round.id;
  });
}

/**
 * Claims up to `limit` ready rows of running rounds in the given channels, in lane order, with a
 * lease (PostgreSQL: picked `FOR UPDATE SKIP LOCKED`, so any number of workers share the work).
 */
export async function claimBatch(
  db: Kysely<Database>,
  c: {
    channels: string[];
    claim: string;
    limit: number;
    leaseUntil: number;
    now: number;
    skipLocked: boolean;
  },
): Promise<LedgerRow[]> {
  if (c.channels.length === 0) return [];
  const skipLocked = c.skipLocked ? sql`for update of l skip locked` : sql``;
  return db.transaction().execute(async (trx) => {
    const picked = await sql<{ id: number }>`select l.id from ledger l
      join send_rounds r on r.id = l.round_id
      where l.state = 'ready' and l.next_attempt_at <= ${c.now} and r.state = 'running'
        and l.channel in (${sql.join(c.channels)})
      order by l.priority, l.id limit ${c.limit} ${skipLocked}`.execute(trx);
    const ids = picked.rows.map((p) => Number(p.id));
    if (ids.length === 0) return [];
    return trx
      .updateTable('ledger')
      .set({ state: 'sending', claim: c.claim, lease_until: c.leaseUntil })
      .where('id', 'in', ids)
      .where('state', '=', 'ready')
      .returningAll()
      .execute();
  });
}

/**
 * A document round is one job: the first running round with ready document rows is claimed whole
 * (one PDF holds them all), with a lease of at least `leaseMs` that also covers rendering at a
 * pessimistic 20 ms per letter. Rows come in ledger order.
 */
export async function claimDocumentRound(
  db: Kysely<Database>,
  c: { claim: string; leaseMs: number; now: number },
): Promise<{ roundId: number; mailingId: number; number: number; rows: LedgerRow[] } | null> {
  const due = await sql<{
    round_id: number;
    mailing_id: number;
    number: number;
  }>`select l.round_id, l.mailing_id, r.number
    from ledger l join send_rounds r on r.id = l.round_id
    where l.channel = 'document' and l.state = 'ready' and r.state = 'running' and l.next_attempt_at <= ${c.now}
    limit 1`.execute(db);
  const round = due.rows[0];
  if (!round) return null;
  const count = await db
    .selectFrom('ledger')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('round_id', '=', round.round_id)
    .where('state', '=', 'ready')
    .executeTakeFirstOrThrow();
  const lease = c.now + Math.max(c.leaseMs, Number(count.n) * 20);
  const rows = await db
    .updateTable('ledger')
    .set({ state: 'sending', claim: c.claim, lease_until: lease })
    .where('round_id', '=', round.round_id)
    .where('state', '=', 'ready')
    .returningAll()
    .execute();
  if (rows.length === 0) return null;
  rows.sort((a, b) => a.id - b.id);
  return { roundId: round.round_id, mailingId: round.mailing_id, number: round.number, rows };
}

/** The claimed rows of a document round are `sent` ("included"), and so are their recipients. */
export async function recordDocumentIncluded(
  trx: Kysely<Database>,
  roundId: number,
  claim: string,
  now: number,
): Promise<void> {
  const sent = await trx
    .updateTable('ledger')
    .set({ state: 'sent', sent_at: now, claim: null, lease_until: null })
    .where('round_id', '=', roundId)
    .where('state', '=', 'sending')
    .where('claim', '=', claim)
    .returning(['recipient_id', 'mailing_id', 'test'])
    .execute();
  for (let i = 0; i < sent.length; i += 1000)
    await moveRecipients(trx, sent.slice(i, i + 1000), 'sending', 'sent', null, now);
}

/** A document round whose PDF could not be made: its claimed rows are ready again, with the reason. */
export async function releaseDocumentClaim(
  db: Kysely<Database>,
  roundId: number,
  claim: string,
  message: string,
): Promise<void> {
  await db
    .updateTable('ledger')
    .set({
      state: 'ready',
      claim: null,
      lease_until: null,
      last_code: 'DOCUMENT_FAILED',
      last_error: message.slice(0, 500),
    })
    .where('round_id', '=', roundId)
    .where('claim', '=', claim)
    .execute();
}

/** What became of the claimed rows of one batch, grouped by kind. */
export interface BatchOutcomes {
  /** Accepted by the relay or gateway. */
  sent: number[];
  /** Refused for good: the row fails, its recipient moves to `failed` with `reason`. */
  failed: Array<{ id: number; code: string; message: string; reason: 'hardBounce' | 'failed' }>;
  /** Refused for now: tried again at `at` (an attempt is counted). */
  retry: Array<{ id: number; code: string; message: string; at: number }>;
  /** Not tried (its destination is backing off): ready again at `at`, no attempt counted. */
  deferred: Array<{ id: number; at: number }>;
}

/**
 * Records a batch's outcomes in one transaction, set-based: each kind is one statement per 500
 * rows (per-row values through a `VALUES` join), every row guarded by `state = 'sending'` and its
 * claim, so only the claim holder finishes a row. Test rows move no recipient.
 */
export async function recordOutcomes(
  db: Kysely<Database>,
  claims: ReadonlyMap<number, string>,
  o: BatchOutcomes,
  now: number,
): Promise<void> {
  const claimOf = (id: number) => claims.get(id) ?? '';
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < o.sent.length; i += 500) {
      const chunk = o.sent.slice(i, i + 500);
      const done = await trx
        .updateTable('ledger')
        .set({ state: 'sent', sent_at: now, claim: null, lease_until: null })
        .where('id', 'in', chunk)
        .where('state', '=', 'sending')
        .where('claim', 'in', [...new Set(chunk.map(claimOf))])
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
    for (let i = 0; i < o.failed.length; i += 500) {
      const chunk = o.failed.slice(i, i + 500);
      const reasonOf = new Map(chunk.map((f) => [f.id, f.reason]));
      const done = await sql<{ id: number; recipient_id: number | null; mailing_id: number; test: number }>`
        update ledger set state = 'failed', last_code = v.column3, last_error = v.column4,
          claim = null, lease_until = null, attempts = ledger.attempts + 1
        from (values ${sql.join(chunk.map((f) => sql`(${int(f.id)}, ${text(claimOf(f.id))}, ${text(f.code)}, ${text(f.message)})`))}) as v
        where ledger.id = v.column1 and ledger.state = 'sending' and ledger.claim = v.column2
        returning ledger.id, ledger.recipient_id, ledger.mailing_id, ledger.test`.execute(trx);
      const moved = done.rows.filter((d) => Number(d.test) === 0);
      for (const reason of ['hardBounce', 'failed'] as const)
        await moveRecipients(
          trx,
          moved.filter((d) => reasonOf.get(Number(d.id)) === reason),
          'sending',
          'failed',
          reason,
          now,
        );
    }
    for (let i = 0; i < o.deferred.length; i += 500) {
      const chunk = o.deferred.slice(i, i + 500);
      await sql`update ledger set state = 'ready', claim = null, lease_until = null, next_attempt_at = v.column3
        from (values ${sql.join(chunk.map((d) => sql`(${int(d.id)}, ${text(claimOf(d.id))}, ${big(d.at)})`))}) as v
        where ledger.id = v.column1 and ledger.state = 'sending' and ledger.claim = v.column2`.execute(trx);
    }
    for (let i = 0; i < o.retry.length; i += 500) {
      const chunk = o.retry.slice(i, i + 500);
      await sql`update ledger set state = 'ready', last_code = v.column3, last_error = v.column4,
          claim = null, lease_until = null, next_attempt_at = v.column5, attempts = ledger.attempts + 1
        from (values ${sql.join(chunk.map((r) => sql`(${int(r.id)}, ${text(claimOf(r.id))}, ${text(r.code)}, ${text(r.message)}, ${big(r.at)})`))}) as v
        where ledger.id = v.column1 and ledger.state = 'sending' and ledger.claim = v.column2`.execute(trx);
    }
  });
}

/**
 * Rows whose lease expired (their worker died) are ready again with the same Message-ID, or held
 * for review (`hold`). Returns how many.
 */
export async function recoverExpiredLeases(
  db: Kysely<Database>,
  now: number,
  hold: boolean,
): Promise<number> {
  const r = await db
    .updateTable('ledger')
    .set({ state: hold ? 'held' : 'ready', claim: null, lease_until: null })
    .where('state', '=', 'sending')
    .where('lease_until', '<', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Running rounds with nothing left ready, in flight or held: the ones `finishRound` may end. */
export async function roundsToFinish(
  db: Kysely<Database>,
): Promise<Array<{ id: number; mailing_id: number; kind: 'bulk' | 'test' }>> {
  const done = await sql<{
    id: number;
    mailing_id: number;
    kind: 'bulk' | 'test';
  }>`select r.id, r.mailing_id, r.kind from send_rounds r
    where r.state = 'running' and not exists (
      select 1 from ledger l where l.round_id = r.id and l.state in ('ready', 'sending', 'held'))`.execute(
    db,
  );
  return done.rows;
}

/** Ends a running round; false when it is not running (any more). */
export async function finishRound(trx: Kysely<Database>, roundId: number, now: number): Promise<boolean> {
  const moved = await trx
    .updateTable('send_rounds')
    .set({ state: 'finished', finished_at: now })
    .where('id', '=', roundId)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) === 1;
}

/**
 * The mailing's running rounds stop: workers claim nothing more of them; what is in flight
 * finishes. With a reason (the mailing paused itself) only its bulk rounds stop and say why.
 */
export async function stopRounds(trx: Kysely<Database>, mailingId: number, reason?: string): Promise<void> {
  let q = trx
    .updateTable('send_rounds')
    .set(reason === undefined ? { state: 'stopped' } : { state: 'stopped', paused_reason: reason })
    .where('mailing_id', '=', mailingId)
    .where('state', '=', 'running');
  if (reason !== undefined) q = q.where('kind', '=', 'bulk');
  await q.execute();
}

/** The mailing's stopped rounds run again (their pause reason cleared). */
export async function resumeRounds(trx: Kysely<Database>, mailingId: number): Promise<void> {
  await trx
    .updateTable('send_rounds')
    .set({ state: 'running', paused_reason: null })
    .where('mailing_id', '=', mailingId)
    .where('state', '=', 'stopped')
    .execute();
}

/**
 * The mailing's rounds end for good: running and stopped rounds are cancelled, and so are the
 * rows not yet sent (ready or held); a row a worker holds right now finishes as it goes.
 */
export async function cancelRounds(trx: Kysely<Database>, mailingId: number, now: number): Promise<void> {
  await trx
    .updateTable('send_rounds')
    .set({ state: 'cancelled', finished_at: now })
    .where('mailing_id', '=', mailingId)
    .where('state', 'in', ['running', 'stopped'])
    .execute();
  await trx
    .updateTable('ledger')
    .set({ state: 'cancelled' })
    .where('mailing_id', '=', mailingId)
    .where('state', 'in', ['ready', 'held'])
    .execute();
}

/** Rows held for review after a worker died are ready now, with their Message-ID. Returns how many. */
export async function releaseHeld(db: Kysely<Database>, mailingId: number, now: number): Promise<number> {
  const r = await db
    .updateTable('ledger')
    .set({ state: 'ready', next_attempt_at: now })
    .where('mailing_id', '=', mailingId)
    .where('state', '=', 'held')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
