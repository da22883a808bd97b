import type { Writable } from 'node:stream';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { type Actor, type AuditSink, invalid, notFound, type Page } from '../core/index.js';
import type { ProjectsService, SelectionsService } from '../crm/index.js';
import type { SendingService } from '../sending/index.js';
import type { Database } from '../storage/index.js';

/** Statuses a recipient ends in once something was sent to it (`read` is sent, delivered and opened). */
const sentStatuses = ['sent', 'delivered', 'read', 'bounced', 'complained'];

/**
 * Statuses that mean "sent and not bounced" (PRODUCT.md §1 delivered): a reader and a complainer
 * got the message too. The open and click rates divide by these.
 */
const deliveredStatuses = ['sent', 'delivered', 'read', 'complained'];

export const followupStatuses = [
  'ready',
  'blocked',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'bounced',
  'complained',
  'cancelled',
] as const;

/** A yes/no filter: `true`/`false` in a query string, a boolean in JSON. */
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const recipientsQuery = z.object({
  /** Comma-separated statuses, combined with OR. */
  status: z.string().trim().max(200).optional(),
  reason: z.string().trim().max(50).optional(),
  /** Engagement filters, combined with AND with the status filter. */
  read: flag.optional(),
  clicked: flag.optional(),
  unsubscribed: flag.optional(),
  sort: z.enum(['id', 'name', 'status', 'sentAt', 'readAt', 'clicks']).default('id'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type RecipientsQuery = z.input<typeof recipientsQuery>;

export interface FollowupRecipient {
  id: number;
  kind: string;
  personId: number | null;
  name: string;
  companyName: string | null;
  address: string | null;
  status: string;
  reason: string | null;
  sentAt: number | null;
  readAt: number | null;
  opens: number;
  clicks: number;
  unsubscribedAt: number | null;
  bounceCode: string | null;
  bounceDiagnostic: string | null;
}

export interface Summary {
  mailingId: number;
  recipients: number;
  sent: number;
  delivered: number;
  read: number;
  clicked: number;
  bounced: { soft: number; hard: number; total: number };
  unsubscribed: number;
  complained: number;
  failed: number;
  blocked: Record<string, number>;
  opens: { human: number; machine: number };
  clicks: { human: number; machine: number };
  rates: { open: number | null; click: number | null; clickToOpen: number | null; bounce: number | null };
  byStatus: Record<string, number>;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

export const addToTargetInput = z
  .strictObject({
    /** Which recipients: chosen ids, a filter (as the recipients list), or the clickers of a link. */
    recipientIds: z.array(z.number().int().positive()).max(100_000).optional(),
    filter: recipientsQuery
      .pick({ status: true, reason: true, read: true, clicked: true, unsubscribed: true })
      .optional(),
    clickersOfLink: z.number().int().min(1).optional(),
    /** Where to: a new static selection, an existing one, or a project. */
    newSelectionName: z.string().trim().min(1).max(200).optional(),
    selectionId: z.number().int().positive().optional(),
    projectId: z.number().int().positive().optional(),
  })
  .refine(
    (v) => [v.newSelectionName, v.selectionId, v.projectId].filter((x) => x !== undefined).length === 1,
    {
      message: 'name exactly one target: newSelectionName, selectionId or projectId',
    },
  )
  .refine((v) => [v.recipientIds, v.filter, v.clickersOfLink].filter((x) => x !== undefined).length === 1, {
    message: 'name exactly one set: recipientIds, filter or clickersOfLink',
  });

/**
 * Follow-up (PRODUCT.md §12): read from the counters the tracking flusher and the sending ledger
 * keep, so the summary stays instant at millions of recipients; lists page through indexes;
 * exports stream. Actions turn recipients into selections and project members.
 */
export class FollowupService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditSink,
    private readonly selections: SelectionsService,
    private readonly projects: ProjectsService,
    private readonly sending: SendingService,
    /** Exports read through a cursor on PostgreSQL, in keyset pages on SQLite. */
    private readonly engine: 'sqlite' | 'postgres',
  ) {}

  private async requireMailing(id: number) {
    const m = await this.db
      .selectFrom('mailings')
      .select(['id', 'name', 'state', 'channel'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!m) throw notFound('MAILING_NOT_FOUND', `mailing ${id} does not exist`);
    return m;
  }

  async summary(mailingId: number): Promise<Summary & { progress: unknown }> {
    const m = await this.requireMailing(mailingId);
    const [counts, stats] = await Promise.all([
      this.db
        .selectFrom('recipient_counts')
        .select(['status', 'reason', 'n'])
        .where('mailing_id', '=', mailingId)
        .execute(),
      this.db.selectFrom('mailing_stats').selectAll().where('mailing_id', '=', mailingId).executeTakeFirst(),
    ]);
    const byStatus: Record<string, number> = {};
    const blocked: Record<string, number> = {};
    let soft = 0;
    let hard = 0;
    for (const c of counts) {
      const n = Number(c.n);
      if (n === 0) continue;
      byStatus[c.status] = (byStatus[c.status] ?? 0) + n;
      if (c.status === 'blocked') blocked[c.reason || 'unknown'] = (blocked[c.reason || 'unknown'] ?? 0) + n;
      if (c.status === 'bounced') {
        if (c.reason === 'hardBounce') hard += n;
        else soft += n;
      }
    }
    const get = (s: string) => byStatus[s] ?? 0;
    const recipients = Object.values(byStatus).reduce((a, b) => a + b, 0);
    const sent = sentStatuses.reduce((a, s) => a + get(s), 0);
    const delivered = deliveredStatuses.reduce((a, s) => a + get(s), 0);
    const read = stats?.readers ?? 0;
    const clicked = stats?.clickers ?? 0;
    const bounced = soft + hard;
    const progress =
      m.state === 'sending' || m.state === 'stopped' ? await this.sending.progress(mailingId) : null;
    return {
      mailingId,
      recipients,
      sent,
      delivered,
      read,
      clicked,
      bounced: { soft, hard, total: bounced },
      unsubscribed: stats?.unsubscribed ?? 0,
      complained: get('complained'),
      failed: get('failed'),
      blocked,
      opens: { human: stats?.opens ?? 0, machine: stats?.machine_opens ?? 0 },
      clicks: { human: stats?.clicks ?? 0, machine: stats?.machine_clicks ?? 0 },
      rates: {
        open: ratio(read, delivered),
        click: ratio(clicked, delivered),
        clickToOpen: ratio(clicked, read),
        bounce: ratio(bounced, sent),
      },
      byStatus,
      progress,
    };
  }

  /** Charts: clicks per link, opens and clicks per hour over the first 48 hours, status, client families. */
  async reports(mailingId: number) {
    await this.requireMailing(mailingId);
    const first = await this.db
      .selectFrom('ledger')
      .select((eb) => eb.fn.min<number>('sent_at').as('at'))
      .where('mailing_id', '=', mailingId)
      .where('test', '=', 0)
      .executeTakeFirst();
    const start = first?.at === null || first?.at === undefined ? null : Number(first.at);
    const [links, perHour, clients, status] = await Promise.all([
      this.links(mailingId),
      start === null
        ? Promise.resolve([])
        : sql<{ h: number | string; kind: string; n: number | string }>`
            select cast((at - ${start}) / 3600000 as integer) as h, kind, count(*) as n
            from tracking_events
            where mailing_id = ${mailingId} and machine = 0 and at >= ${start} and at < ${start + 48 * 3_600_000}
            group by 1, kind`
            .execute(this.db)
            .then((r) => r.rows),
      this.db
        .selectFrom('recipients')
        .select(['client', (eb) => eb.fn.countAll<number>().as('n')])
        .where('mailing_id', '=', mailingId)
        .where('first_read_at', 'is not', null)
        .groupBy('client')
        .execute(),
      this.db
        .selectFrom('recipient_counts')
        .select(['status', 'n'])
        .where('mailing_id', '=', mailingId)
        .execute(),
    ]);
    const hours = Array.from({ length: 48 }, (_, h) => ({ hour: h, opens: 0, clicks: 0 }));
    for (const r of perHour) {
      const slot = hours[Number(r.h)];
      if (slot) slot[r.kind === 'open' ? 'opens' : 'clicks'] = Number(r.n);
    }
    const byStatus: Record<string, number> = {};
    for (const s of status) if (Number(s.n) > 0) byStatus[s.status] = (byStatus[s.status] ?? 0) + Number(s.n);
    return {
      firstSentAt: start,
      clicksPerLink: links.map((l) => ({
        n: l.n,
        name: l.name,
        url: l.url,
        clicks: l.clicks,
        uniqueClicks: l.uniqueClicks,
      })),
      perHour: hours,
      byStatus,
      readsByClient: clients
        .map((c) => ({ client: c.client ?? 'Other', reads: Number(c.n) }))
        .sort((a, b) => b.reads - a.reads),
    };
  }

  private filtered(
    mailingId: number,
    q: z.output<typeof recipientsQuery> | Partial<z.output<typeof recipientsQuery>>,
  ) {
    let base = this.db.selectFrom('recipients as r').where('r.mailing_id', '=', mailingId);
    const statuses = (q.status ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const s of statuses)
      if (!(followupStatuses as readonly string[]).includes(s))
        throw invalid('UNKNOWN_STATUS', `"${s}" is not a recipient status (${followupStatuses.join(', ')})`, {
          field: 'status',
        });
    if (statuses.length === 1) base = base.where('r.status', '=', statuses[0] as string);
    else if (statuses.length > 1) base = base.where('r.status', 'in', statuses);
    if (q.reason) base = base.where('r.reason', '=', q.reason);
    if (q.read !== undefined) base = base.where('r.first_read_at', q.read ? 'is not' : 'is', null);
    if (q.clicked !== undefined) base = base.where('r.first_click_at', q.clicked ? 'is not' : 'is', null);
    if (q.unsubscribed !== undefined)
      base = base.where('r.unsubscribed_at', q.unsubscribed ? 'is not' : 'is', null);
    return { base, statuses };
  }

  /** The total of a filter from the counters when they hold it, else counted. */
  private async total(
    mailingId: number,
    q: z.output<typeof recipientsQuery>,
    statuses: string[],
    base: ReturnType<FollowupService['filtered']>['base'],
  ): Promise<number> {
    const engagement = q.read !== undefined || q.clicked !== undefined || q.unsubscribed !== undefined;
    if (!engagement) {
      let c = this.db
        .selectFrom('recipient_counts')
        .select((eb) => eb.fn.sum<number>('n').as('n'))
        .where('mailing_id', '=', mailingId);
      if (statuses.length > 0) c = c.where('status', 'in', statuses);
      if (q.reason) c = c.where('reason', '=', q.reason);
      return Number((await c.executeTakeFirst())?.n ?? 0);
    }
    // "read" or "clicked" alone: the unique readers and clickers the flusher counts
    const only =
      statuses.length === 0 && !q.reason && q.unsubscribed === undefined
        ? q.read === true && q.clicked === undefined
          ? 'readers'
          : q.clicked === true && q.read === undefined
            ? 'clickers'
            : null
        : null;
    if (only) {
      const s = await this.db
        .selectFrom('mailing_stats')
        .select(only)
        .where('mailing_id', '=', mailingId)
        .executeTakeFirst();
      return s ? Number((s as Record<string, number>)[only]) : 0;
    }
    return Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  }

  /** Recipients with combinable filters, 100 a page, sorted. */
  async recipients(mailingId: number, input: RecipientsQuery): Promise<Page<FollowupRecipient>> {
    await this.requireMailing(mailingId);
    const q = recipientsQuery.parse(input);
    const { base, statuses } = this.filtered(mailingId, q);
    const sortColumn = {
      id: 'r.id',
      status: 'r.status',
      sentAt: 'r.sent_at',
      readAt: 'r.first_read_at',
      clicks: 'r.clicks',
    } as const;
    // the page's ids first, from the recipients alone (an index walk, or a sort of ids only), then
    // the names and companies of those 100: joining before the sort would join every match
    const [ids, total] = await Promise.all([
      (q.sort === 'name'
        ? base
            .leftJoin('persons as p', 'p.id', 'r.person_id')
            .select('r.id')
            .orderBy('p.last_name', q.order)
            .orderBy('r.id', q.order)
        : base
            .select('r.id')
            .orderBy(sortColumn[q.sort], q.order)
            .$if(q.sort !== 'id', (b) => b.orderBy('r.id', q.order))
      )
        .limit(q.limit)
        .offset(q.offset)
        .execute(),
      this.total(mailingId, q, statuses, base),
    ]);
    const order = new Map(ids.map((r, k) => [r.id, k]));
    const rows =
      ids.length === 0
        ? []
        : (
            await this.db
              .selectFrom('recipients as r')
              .leftJoin('persons as p', 'p.id', 'r.person_id')
              .leftJoin('companies as c', (j) =>
                j.on(sql<boolean>`c.id = coalesce(r.company_id, p.company_id)`),
              )
              .leftJoin('mailing_import_rows as ir', 'ir.id', 'r.import_row_id')
              .select([
                'r.id',
                'r.kind',
                'r.person_id',
                'r.address',
                'r.status',
                'r.reason',
                'r.sent_at',
                'r.first_read_at',
                'r.opens',
                'r.clicks',
                'r.unsubscribed_at',
                'r.bounce_code',
                'r.bounce_diagnostic',
                'p.first_name',
                'p.last_name',
                'c.name as company_name',
                'ir.name as import_name',
              ])
              .where(
                'r.id',
                'in',
                ids.map((r) => r.id),
              )
              .execute()
          ).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    return {
      items: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        personId: r.person_id,
        name:
          r.kind === 'person'
            ? [r.first_name, r.last_name].filter((x) => x).join(' ')
            : r.kind === 'company'
              ? (r.company_name ?? '')
              : (r.import_name ?? r.address ?? ''),
        companyName: r.kind === 'company' ? null : r.company_name,
        address: r.address,
        status: r.status,
        reason: r.reason,
        sentAt: r.sent_at,
        readAt: r.first_read_at,
        opens: r.opens,
        clicks: r.clicks,
        unsubscribedAt: r.unsubscribed_at,
        bounceCode: r.bounce_code,
        bounceDiagnostic: r.bounce_diagnostic,
      })),
      total,
    };
  }

  /**
   * Every recipient of a filter as CSV or XLSX, written to `out` in pages of 5,000 by id (keyset),
   * so memory stays flat whatever the size.
   */
  async export(
    mailingId: number,
    input: RecipientsQuery,
    format: 'csv' | 'xlsx',
    out: Writable,
  ): Promise<number> {
    await this.requireMailing(mailingId);
    const q = recipientsQuery.parse(input);
    const header = [
      'id',
      'type',
      'name',
      'company',
      'address',
      'status',
      'reason',
      'sent',
      'read',
      'opens',
      'clicks',
      'unsubscribed',
      'bounce code',
    ];
    const iso = (t: number | null) => (t === null ? '' : new Date(t).toISOString());
    let written = 0;
    const write = (chunk: string) =>
      out.write(chunk) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
    let workbook: { addRow(values: unknown[]): { commit(): void }; commit(): Promise<void> } | null = null;
    let finish: (() => Promise<void>) | null = null;
    if (format === 'xlsx') {
      const ExcelJS = (await import('exceljs')).default;
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
        stream: out,
        useStyles: false,
        useSharedStrings: false,
      });
      const sheet = wb.addWorksheet('Recipients');
      sheet.addRow(header).commit();
      workbook = { addRow: (v) => sheet.addRow(v), commit: () => wb.commit() };
      finish = () => wb.commit();
    } else {
      await write(`${header.join(',')}\r\n`);
    }
    const emit = async (rows: ExportRow[]) => {
      let chunk = '';
      for (const r of rows) {
        const values = [
          r.id,
          r.kind === 'unregistered' ? 'unregistered' : 'registered',
          r.kind === 'company'
            ? (r.company_name ?? '')
            : [r.first_name, r.last_name].filter((x) => x).join(' '),
          r.kind === 'company' ? '' : (r.company_name ?? ''),
          r.address ?? '',
          r.status,
          r.reason ?? '',
          iso(r.sent_at),
          iso(r.first_read_at),
          r.opens,
          r.clicks,
          iso(r.unsubscribed_at),
          r.bounce_code ?? '',
        ];
        if (workbook) workbook.addRow(values).commit();
        else chunk += `${values.map(csvField).join(',')}\r\n`;
      }
      if (!workbook) await write(chunk);
      written += rows.length;
    };
    for await (const rows of this.exportBatches(mailingId, q)) await emit(rows);
    if (finish) await finish();
    return written;
  }

  /**
   * The rows of an export in batches, in id order. PostgreSQL: one query read through a cursor
   * (its planner joins once for the whole set; pages would plan and join 200 times). SQLite:
   * keyset pages of 5,000 walking the (mailing_id, id) index — a page releases the one connection,
   * so tracking and sending go on during a long export.
   */
  private async *exportBatches(
    mailingId: number,
    q: z.output<typeof recipientsQuery>,
  ): AsyncGenerator<ExportRow[]> {
    const joined = () =>
      this.filtered(mailingId, q)
        .base.leftJoin('persons as p', 'p.id', 'r.person_id')
        .leftJoin('companies as c', (j) => j.on(sql<boolean>`c.id = coalesce(r.company_id, p.company_id)`))
        .select([
          'r.id',
          'r.kind',
          'r.address',
          'r.status',
          'r.reason',
          'r.sent_at',
          'r.first_read_at',
          'r.opens',
          'r.clicks',
          'r.unsubscribed_at',
          'r.bounce_code',
          'p.first_name',
          'p.last_name',
          'c.name as company_name',
        ])
        .orderBy('r.id');
    if (this.engine === 'postgres') {
      let batch: ExportRow[] = [];
      for await (const r of joined().stream(5000)) {
        batch.push(r);
        if (batch.length === 5000) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      return;
    }
    for (let after = 0; ; ) {
      const rows = await joined().where('r.id', '>', after).limit(5000).execute();
      if (rows.length === 0) return;
      yield rows;
      after = (rows[rows.length - 1] as { id: number }).id;
    }
  }

  /** Tracked links with total, unique and machine clicks (from the per-link counters). */
  async links(mailingId: number) {
    await this.requireMailing(mailingId);
    const rows = await this.db
      .selectFrom('mailing_links')
      .selectAll()
      .where('mailing_id', '=', mailingId)
      .where('in_content', '=', 1)
      .orderBy('link_no')
      .execute();
    return rows.map((l) => ({
      n: l.link_no,
      name: l.name,
      url: l.url,
      trackedLinkId: l.tracked_link_id,
      clicks: l.clicks,
      uniqueClicks: l.unique_clicks,
      machineClicks: l.machine_clicks,
    }));
  }

  /** Who clicked a link, and when (first and last), with their number of clicks. */
  async clickers(mailingId: number, linkNo: number, page: { limit: number; offset: number }) {
    await this.requireMailing(mailingId);
    const base = this.db
      .selectFrom('link_clickers as k')
      .where('k.mailing_id', '=', mailingId)
      .where('k.link_no', '=', linkNo);
    const [rows, total] = await Promise.all([
      base
        .innerJoin('recipients as r', 'r.id', 'k.recipient_id')
        .leftJoin('persons as p', 'p.id', 'r.person_id')
        .select([
          'k.recipient_id',
          'r.person_id',
          'r.address',
          'p.first_name',
          'p.last_name',
          'k.clicks',
          'k.first_at',
          'k.last_at',
        ])
        .orderBy('k.first_at')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      items: rows.map((r) => ({
        recipientId: r.recipient_id,
        personId: r.person_id,
        name: [r.first_name, r.last_name].filter((x) => x).join(' ') || (r.address ?? ''),
        address: r.address,
        clicks: r.clicks,
        firstAt: r.first_at,
        lastAt: r.last_at,
      })),
      total: Number(total.n),
    };
  }

  /**
   * Reset of a link's counter (PRODUCT.md §7): deletes its click data for this mailing, or, with
   * `allMailings` (the caller confirms), for every mailing that uses the same registered link.
   */
  async resetLink(
    mailingId: number,
    linkNo: number,
    allMailings: boolean,
    actor: Actor,
  ): Promise<{ mailings: number }> {
    await this.requireMailing(mailingId);
    const link = await this.db
      .selectFrom('mailing_links')
      .select(['tracked_link_id', 'url'])
      .where('mailing_id', '=', mailingId)
      .where('link_no', '=', linkNo)
      .executeTakeFirst();
    if (!link) throw notFound('LINK_NOT_FOUND', `mailing ${mailingId} has no link ${linkNo}`);
    const targets =
      allMailings && link.tracked_link_id !== null
        ? await this.db
            .selectFrom('mailing_links')
            .select(['mailing_id', 'link_no'])
            .where('tracked_link_id', '=', link.tracked_link_id)
            .execute()
        : [{ mailing_id: mailingId, link_no: linkNo }];
    await this.db.transaction().execute(async (trx) => {
      for (const t of targets) {
        await trx
          .deleteFrom('tracking_events')
          .where('mailing_id', '=', t.mailing_id)
          .where('kind', '=', 'click')
          .where('link_no', '=', t.link_no)
          .execute();
        await trx
          .deleteFrom('link_clickers')
          .where('mailing_id', '=', t.mailing_id)
          .where('link_no', '=', t.link_no)
          .execute();
        await trx
          .updateTable('mailing_links')
          .set({ clicks: 0, unique_clicks: 0, machine_clicks: 0 })
          .where('mailing_id', '=', t.mailing_id)
          .where('link_no', '=', t.link_no)
          .execute();
      }
    });
    await this.audit.record(actor, 'mailing.resetLink', 'mailing', mailingId, {
      linkNo,
      allMailings,
      mailings: targets.length,
    });
    return { mailings: targets.length };
  }

  /** Bounced and complained recipients with kind, code and reason. */
  async bounces(mailingId: number, page: { limit: number; offset: number }) {
    return this.recipients(mailingId, {
      status: 'bounced,complained',
      limit: page.limit,
      offset: page.offset,
    });
  }

  /** What a person received, read and clicked, newest first. */
  async personHistory(personId: number) {
    const rows = await this.db
      .selectFrom('recipients as r')
      .innerJoin('mailings as m', 'm.id', 'r.mailing_id')
      .select([
        'm.id',
        'm.name',
        'm.channel',
        'm.state',
        'r.status',
        'r.reason',
        'r.sent_at',
        'r.first_read_at',
        'r.opens',
        'r.clicks',
        'r.unsubscribed_at',
      ])
      .where('r.person_id', '=', personId)
      .orderBy('r.sent_at', 'desc')
      .orderBy('m.id', 'desc')
      .execute();
    const clicked = await this.db
      .selectFrom('link_clickers as k')
      .innerJoin('recipients as r', 'r.id', 'k.recipient_id')
      .innerJoin('mailing_links as l', (j) =>
        j.onRef('l.mailing_id', '=', 'k.mailing_id').onRef('l.link_no', '=', 'k.link_no'),
      )
      .select(['k.mailing_id', 'l.url', 'k.clicks', 'k.first_at'])
      .where('r.person_id', '=', personId)
      .execute();
    return rows.map((r) => ({
      mailingId: r.id,
      mailingName: r.name,
      channel: r.channel,
      mailingState: r.state,
      status: r.status,
      reason: r.reason,
      sentAt: r.sent_at,
      readAt: r.first_read_at,
      opens: r.opens,
      clicks: r.clicks,
      unsubscribedAt: r.unsubscribed_at,
      links: clicked
        .filter((c) => c.mailing_id === r.id)
        .map((c) => ({ url: c.url, clicks: c.clicks, firstAt: c.first_at })),
    }));
  }

  /**
   * Adds recipients (chosen ids, a filter, or a link's clickers) to a new static selection, an
   * existing one, or a project. Only registered persons can be members: the others are counted
   * as skipped with the reason.
   */
  async addTo(mailingId: number, input: z.input<typeof addToTargetInput>, actor: Actor) {
    await this.requireMailing(mailingId);
    const v = addToTargetInput.parse(input);
    let rows: Array<{ id: number; person_id: number | null }>;
    if (v.recipientIds) {
      const ids = [...new Set(v.recipientIds)];
      rows = [];
      for (let i = 0; i < ids.length; i += 1000)
        rows.push(
          ...(await this.db
            .selectFrom('recipients')
            .select(['id', 'person_id'])
            .where('mailing_id', '=', mailingId)
            .where('id', 'in', ids.slice(i, i + 1000))
            .execute()),
        );
    } else if (v.clickersOfLink !== undefined) {
      rows = await this.db
        .selectFrom('link_clickers as k')
        .innerJoin('recipients as r', 'r.id', 'k.recipient_id')
        .select(['r.id', 'r.person_id'])
        .where('k.mailing_id', '=', mailingId)
        .where('k.link_no', '=', v.clickersOfLink)
        .execute();
    } else {
      const { base } = this.filtered(mailingId, v.filter ?? {});
      rows = await base.select(['r.id', 'r.person_id']).execute();
    }
    const notFoundCount = v.recipientIds ? new Set(v.recipientIds).size - rows.length : 0;
    const personIds = [...new Set(rows.map((r) => r.person_id).filter((p): p is number => p !== null))];
    const notRegistered = rows.filter((r) => r.person_id === null).length;
    let target: { kind: 'selection' | 'project'; id: number; name: string };
    if (v.projectId !== undefined) {
      const p = await this.projects.get(v.projectId);
      target = { kind: 'project', id: p.id, name: p.name };
      for (let i = 0; i < personIds.length; i += 10_000)
        await this.projects.addMembers(p.id, { personIds: personIds.slice(i, i + 10_000) }, actor);
    } else {
      const s =
        v.selectionId !== undefined
          ? await this.selections.get(v.selectionId)
          : await this.selections.create({ name: v.newSelectionName as string, kind: 'static' }, actor);
      if (s.kind !== 'static')
        throw invalid(
          'SELECTION_NOT_STATIC',
          `selection ${s.id} is dynamic: members are added to static selections only`,
          { field: 'selectionId' },
        );
      target = { kind: 'selection', id: s.id, name: s.name };
      for (let i = 0; i < personIds.length; i += 10_000)
        await this.selections.addMembers(s.id, personIds.slice(i, i + 10_000), actor);
    }
    const skipped: Array<{ reason: string; count: number }> = [];
    if (notRegistered > 0)
      skipped.push({ reason: 'notRegistered: only persons in the CRM can be members', count: notRegistered });
    if (notFoundCount > 0)
      skipped.push({
        reason: 'notInMailing: these ids are not recipients of this mailing',
        count: notFoundCount,
      });
    return { target, added: personIds.length, skipped };
  }
}

interface ExportRow {
  id: number;
  kind: string;
  address: string | null;
  status: string;
  reason: string | null;
  sent_at: number | null;
  first_read_at: number | null;
  opens: number;
  clicks: number;
  unsubscribed_at: number | null;
  bounce_code: string | null;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
}

function csvField(v: unknown): string {
  const s = String(v ?? '');
  // a leading = + - @ would run as a formula in a spreadsheet: quoted with a leading apostrophe
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}
