import { type Kysely, type RawBuilder, sql } from 'kysely';
import { emailKey } from '../addresses/index.js';
import { resetSoftBounces } from '../crm/index.js';
import type { Database } from '../storage/index.js';
import { type MachineReason, scannerWindowMs } from './classify.js';

const int = (v: number) => sql`cast(${v} as integer)`;
const big = (v: number | null) => sql`cast(${v} as bigint)`;

export interface TrackingEvent {
  mailingId: number;
  recipientId: number;
  kind: 'open' | 'click';
  /** The mailing's link number of a click (the trap link has its own number). */
  linkNo: number | null;
  machine: MachineReason | null;
  client: string | null;
  at: number;
}

export interface IngestOptions {
  /**
   * How long the first queued event waits for others before the flush starts; 0: until the end
   * of the current event-loop turn (under load the next flush starts as soon as one commits).
   */
  windowMs: number;
  /** Most events per transaction. */
  maxBatch: number;
}

interface Waiting {
  event: TrackingEvent;
  resolve(stored: boolean): void;
  reject(e: unknown): void;
}

/**
 * Group commit (ARCHITECTURE.md "Tracking and events"): each request queues its event and waits;
 * a flusher writes the queued events and every counter they move (per recipient, per link, per
 * mailing) in one transaction, then answers the waiting requests. A request is acknowledged only
 * after its event is committed, so an acknowledged event is never lost; a crash loses only
 * requests that were not answered yet. One flush runs at a time; events that arrive meanwhile
 * form the next batch, so the batch grows with the load and the transactions per second do not.
 */
export class EventIngest {
  private queue: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  /** Events committed since start (the benchmark compares it with the acknowledged requests). */
  committed = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: IngestOptions = { windowMs: 0, maxBatch: 2000 },
  ) {}

  /** Resolves once the event is committed: true when it was stored, false when its recipient is gone. */
  record(event: TrackingEvent): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('event ingestion is closed'));
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.schedule();
    });
  }

  /** Writes what is queued and stops taking events. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    while (this.flushing || this.queue.length > 0) {
      if (this.flushing) await this.flushing;
      else await this.runFlush();
    }
  }

  private schedule(): void {
    if (this.timer || this.immediate || this.flushing) return;
    if (this.options.windowMs <= 0) {
      // the requests read in this turn of the event loop form the batch
      this.immediate = setImmediate(() => {
        this.immediate = null;
        void this.runFlush();
      });
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runFlush();
    }, this.options.windowMs);
  }

  private runFlush(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch);
    const run = (async () => {
      try {
        const stored = await this.write(batch.map((w) => w.event));
        this.committed += stored.filter(Boolean).length;
        batch.forEach((w, k) => {
          w.resolve(stored[k] ?? false);
        });
      } catch (e) {
        // nothing of this batch was committed: every request of it is answered with the failure
        for (const w of batch) w.reject(e);
      }
    })();
    this.flushing = run;
    return run.finally(() => {
      this.flushing = null;
      if (this.queue.length > 0) {
        if (this.closed) return;
        // under load the next batch is already waiting: start it at once
        void this.runFlush();
      }
    });
  }

  /** One transaction: the events and their counters. Returns, per event, whether it was stored. */
  private async write(events: TrackingEvent[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const ids = [...new Set(events.map((e) => e.recipientId))];
      const found = new Map<
        number,
        {
          mailing_id: number;
          sent_at: number | null;
          first_read_at: number | null;
          first_click_at: number | null;
          address: string | null;
          status: string;
        }
      >();
      for (let i = 0; i < ids.length; i += 1000) {
        const rows = (
          await sql<{
            id: number;
            mailing_id: number;
            sent_at: number | null;
            first_read_at: number | null;
            first_click_at: number | null;
            address: string | null;
            status: string;
          }>`select id, mailing_id, sent_at, first_read_at, first_click_at, address, status from recipients
            where id in (${sql.join(ids.slice(i, i + 1000))})`.execute(trx)
        ).rows;
        for (const r of rows) found.set(r.id, r);
      }
      const stored = events.map((e) => found.get(e.recipientId)?.mailing_id === e.mailingId);
      const kept = events.filter((_, k) => stored[k]);
      // a click within seconds of sending is a scanner's
      for (const e of kept) {
        const sentAt = found.get(e.recipientId)?.sent_at ?? null;
        if (e.kind === 'click' && e.machine === null && sentAt !== null && e.at - sentAt < scannerWindowMs)
          e.machine = 'clickedWithinSeconds';
      }
      // raw VALUES: this statement runs on every flush, the query builder's cost would be per event
      for (let i = 0; i < kept.length; i += 500)
        await sql`insert into tracking_events (mailing_id, recipient_id, kind, link_no, machine, reason, client, at)
          values ${sql.join(
            kept
              .slice(i, i + 500)
              .map(
                (e) =>
                  sql`(${e.mailingId}, ${e.recipientId}, ${e.kind}, ${e.linkNo}, ${e.machine === null ? 0 : 1}, ${e.machine}, ${e.client}, ${e.at})`,
              ),
          )}`.execute(trx);

      const perRecipient = new Map<
        number,
        {
          opens: number;
          clicks: number;
          machine: number;
          readAt: number | null;
          clickAt: number | null;
          client: string | null;
        }
      >();
      const perLink = new Map<
        string,
        { mailingId: number; linkNo: number; clicks: number; machine: number }
      >();
      const clicked = new Map<
        string,
        { mailingId: number; recipientId: number; linkNo: number; n: number; first: number; last: number }
      >();
      const perMailing = new Map<
        number,
        {
          opens: number;
          machineOpens: number;
          readers: number;
          clicks: number;
          machineClicks: number;
          clickers: number;
        }
      >();
      const mailingOf = (id: number) => {
        let m = perMailing.get(id);
        if (!m) {
          m = { opens: 0, machineOpens: 0, readers: 0, clicks: 0, machineClicks: 0, clickers: 0 };
          perMailing.set(id, m);
        }
        return m;
      };
      for (const e of kept) {
        let r = perRecipient.get(e.recipientId);
        if (!r) {
          r = { opens: 0, clicks: 0, machine: 0, readAt: null, clickAt: null, client: null };
          perRecipient.set(e.recipientId, r);
        }
        const m = mailingOf(e.mailingId);
        const human = e.machine === null;
        if (!human) r.machine += 1;
        if (e.kind === 'open') {
          if (human) {
            r.opens += 1;
            m.opens += 1;
          } else m.machineOpens += 1;
        } else {
          if (human) {
            r.clicks += 1;
            m.clicks += 1;
            if (r.clickAt === null) r.clickAt = e.at;
          } else m.machineClicks += 1;
          if (e.linkNo !== null) {
            const key = `${e.mailingId}:${e.linkNo}`;
            const l = perLink.get(key) ?? { mailingId: e.mailingId, linkNo: e.linkNo, clicks: 0, machine: 0 };
            if (human) l.clicks += 1;
            else l.machine += 1;
            perLink.set(key, l);
            if (human) {
              const ck = `${key}:${e.recipientId}`;
              const c = clicked.get(ck) ?? {
                mailingId: e.mailingId,
                recipientId: e.recipientId,
                linkNo: e.linkNo,
                n: 0,
                first: e.at,
                last: e.at,
              };
              c.n += 1;
              c.last = Math.max(c.last, e.at);
              clicked.set(ck, c);
            }
          }
        }
        // a human open or click is a read
        if (human && r.readAt === null) {
          r.readAt = e.at;
          r.client = e.client;
        }
      }

      const newReaders: string[] = [];
      const rows: RawBuilder<unknown>[] = [];
      const rowIds: number[] = [];
      // sent → read (also delivered → read, PRODUCT.md §4) on a human event: the candidates are
      // the recipients whose status was sent or delivered when the batch was read
      const moves = new Map<number, { mailingId: number; from: string; at: number }>();
      for (const [id, r] of perRecipient) {
        const before = found.get(id);
        if (!before) continue;
        const m = mailingOf(before.mailing_id);
        const firstRead = r.readAt !== null && before.first_read_at === null;
        if (firstRead) {
          m.readers += 1;
          const key = before.address ? emailKey(before.address) : null;
          if (key) newReaders.push(key);
        }
        const firstClick = r.clickAt !== null && before.first_click_at === null;
        if (firstClick) m.clickers += 1;
        const move =
          r.readAt !== null && (before.status === 'sent' || before.status === 'delivered')
            ? { mailingId: before.mailing_id, from: before.status, at: r.readAt }
            : null;
        if (move) moves.set(id, move);
        rowIds.push(id);
        rows.push(
          sql`(${int(id)}, ${int(r.opens)}, ${int(r.clicks)}, ${int(r.machine)}, ${big(firstRead ? r.readAt : null)}, ${big(firstClick ? r.clickAt : null)}, cast(${firstRead ? r.client : null} as text), cast(${move?.from ?? null} as text), ${big(move?.at ?? null)})`,
        );
      }
      // every recipient of the batch in one statement (column1… are the VALUES columns on both
      // engines), the status move included (a separate statement cost a quarter more per first
      // read): SET expressions read the row as it was, and a status another transaction changed
      // meanwhile (PostgreSQL re-checks the row) is left as it is
      const moved: Array<{ mailingId: number; from: string; reason: string }> = [];
      for (let i = 0; i < rows.length; i += 500) {
        const anyMove = rowIds.slice(i, i + 500).some((id) => moves.has(id));
        const r = await sql<{
          id: number;
          status: string;
          status_at: number | string;
          reason: string | null;
        }>`
          update recipients set
            opens = recipients.opens + v.column2,
            clicks = recipients.clicks + v.column3,
            machine_events = recipients.machine_events + v.column4,
            first_read_at = coalesce(recipients.first_read_at, v.column5),
            first_click_at = coalesce(recipients.first_click_at, v.column6),
            client = coalesce(recipients.client, v.column7),
            status = case when recipients.status = v.column8 then 'read' else recipients.status end,
            status_at = case when recipients.status = v.column8 then v.column9 else recipients.status_at end
          from (values ${sql.join(rows.slice(i, i + 500))}) as v
          where recipients.id = v.column1
          ${anyMove ? sql`returning recipients.id, recipients.status, recipients.status_at, recipients.reason` : sql``}`.execute(
          trx,
        );
        // what moved, from the rows as written: read now, at this batch's read time (a row
        // another process moved to read meanwhile carries its own time)
        for (const row of r.rows) {
          const m = moves.get(Number(row.id));
          if (m && row.status === 'read' && Number(row.status_at) === m.at)
            moved.push({ mailingId: m.mailingId, from: m.from, reason: row.reason ?? '' });
        }
      }
      await this.countReads(trx, moved);
      // a read resets the address's consecutive soft bounces (PRODUCT.md §11)
      if (newReaders.length > 0) await resetSoftBounces(trx, newReaders);

      // unique clickers per link: the pairs not stored yet
      const byMailing = new Map<number, Set<number>>();
      for (const c of clicked.values())
        byMailing.set(c.mailingId, (byMailing.get(c.mailingId) ?? new Set()).add(c.recipientId));
      const existing = new Set<string>();
      for (const [mailingId, rids] of byMailing) {
        const rows = (
          await sql<{ link_no: number; recipient_id: number }>`select link_no, recipient_id from link_clickers
            where mailing_id = ${mailingId} and recipient_id in (${sql.join([...rids])})`.execute(trx)
        ).rows;
        for (const r of rows) existing.add(`${mailingId}:${r.link_no}:${r.recipient_id}`);
      }
      const uniques = new Map<string, number>();
      const pairs = [...clicked.entries()];
      for (const [ck, c] of pairs)
        if (!existing.has(ck)) {
          const lk = `${c.mailingId}:${c.linkNo}`;
          uniques.set(lk, (uniques.get(lk) ?? 0) + 1);
        }
      for (let i = 0; i < pairs.length; i += 500)
        await sql`insert into link_clickers (mailing_id, link_no, recipient_id, clicks, first_at, last_at)
          values ${sql.join(
            pairs
              .slice(i, i + 500)
              .map(
                ([, c]) =>
                  sql`(${c.mailingId}, ${c.linkNo}, ${c.recipientId}, ${c.n}, ${c.first}, ${c.last})`,
              ),
          )}
          on conflict (mailing_id, recipient_id, link_no) do update set
            clicks = link_clickers.clicks + excluded.clicks, last_at = excluded.last_at`.execute(trx);
      const linkRows = [...perLink].map(
        ([key, l]) =>
          sql`(${int(l.mailingId)}, ${int(l.linkNo)}, ${int(l.clicks)}, ${int(uniques.get(key) ?? 0)}, ${int(l.machine)})`,
      );
      if (linkRows.length > 0)
        await sql`update mailing_links set
            clicks = mailing_links.clicks + v.column3,
            unique_clicks = mailing_links.unique_clicks + v.column4,
            machine_clicks = mailing_links.machine_clicks + v.column5
          from (values ${sql.join(linkRows)}) as v
          where mailing_links.mailing_id = v.column1 and mailing_links.link_no = v.column2`.execute(trx);
      for (const [mailingId, m] of perMailing) {
        await sql`insert into mailing_stats (mailing_id, opens, machine_opens, readers, clicks, machine_clicks, clickers, unsubscribed)
          values (${mailingId}, ${m.opens}, ${m.machineOpens}, ${m.readers}, ${m.clicks}, ${m.machineClicks}, ${m.clickers}, 0)
          on conflict (mailing_id) do update set
            opens = mailing_stats.opens + excluded.opens,
            machine_opens = mailing_stats.machine_opens + excluded.machine_opens,
            readers = mailing_stats.readers + excluded.readers,
            clicks = mailing_stats.clicks + excluded.clicks,
            machine_clicks = mailing_stats.machine_clicks + excluded.machine_clicks,
            clickers = mailing_stats.clickers + excluded.clickers`.execute(trx);
      }
      return stored;
    });
  }

  /**
   * `recipient_counts` follows the recipients that moved to `read` (from sent or delivered), in
   * the flush's transaction: one upsert for the whole batch. The old status's row always exists
   * (it counted these recipients); the read row is created by the first reader.
   */
  private async countReads(
    trx: Kysely<Database>,
    moved: ReadonlyArray<{ mailingId: number; from: string; reason: string }>,
  ): Promise<void> {
    if (moved.length === 0) return;
    const counts = new Map<string, { mailingId: number; status: string; reason: string; n: number }>();
    const add = (mailingId: number, status: string, reason: string, n: number) => {
      const key = `${mailingId}:${status}:${reason}`;
      const c = counts.get(key) ?? { mailingId, status, reason, n: 0 };
      c.n += n;
      counts.set(key, c);
    };
    for (const m of moved) {
      add(m.mailingId, m.from, m.reason, -1);
      add(m.mailingId, 'read', m.reason, 1);
    }
    await sql`insert into recipient_counts (mailing_id, status, reason, n)
      values ${sql.join(
        [...counts.values()].map((c) => sql`(${int(c.mailingId)}, ${c.status}, ${c.reason}, ${int(c.n)})`),
      )}
      on conflict (mailing_id, status, reason) do update set n = recipient_counts.n + excluded.n`.execute(
      trx,
    );
  }
}
