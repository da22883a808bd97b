import { domainToASCII } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { validateEmail, validateMobile } from '../addresses/index.js';
import {
  type Actor,
  AppError,
  type AuditSink,
  type Clock,
  conflict,
  formatInZone,
  invalid,
  isTimeZone,
  notFound,
  zonedToUtc,
} from '../core/index.js';
import { type MailingState, type MailingsService, moveMailing, nextState } from '../mailings/index.js';
import { type RecipientsService, recipientOptionsOf } from '../recipients/index.js';
import type { SettingsService } from '../settings/index.js';
import type { Database } from '../storage/index.js';
import * as ledger from './ledger.store.js';

export const testSendInput = z.strictObject({
  /** `;`-separated e-mail addresses, or mobile numbers for an SMS mailing (at most 20). */
  addresses: z.string().trim().min(1).max(2000),
  /** Whose merge values to use (default: the first recipient of the list, else only the address). */
  recipientId: z.number().int().positive().optional(),
});

export const resendInput = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('selected'),
    recipientIds: z.array(z.number().int().positive()).min(1).max(100_000),
  }),
  z.strictObject({ mode: z.literal('nonReaders') }),
  z.strictObject({ mode: z.literal('reload') }),
]);

export const scheduleInput = z.strictObject({
  /**
   * When to send: an ISO 8601 time with offset, or a wall-clock time without one
   * (`2026-11-27T09:00`) read in the user's time zone. Stored as UTC.
   */
  at: z.union([z.iso.datetime({ offset: true }), z.iso.datetime({ local: true })]),
});

/**
 * The PostgreSQL advisory lock of the scheduler's leader: this key ("post" as a number) with the
 * schema's hash, so two installations in one database do not share a leader.
 */
export const SCHEDULER_LOCK = 0x706f7374;

export { priorities } from './ledger.store.js';

export interface Progress {
  mailingId: number;
  state: MailingState;
  /** When a scheduled mailing starts, in UTC (ISO 8601). */
  scheduledAt: string | null;
  /** The same time as the user reads it (`2026-11-27 09:00`) in `timeZone`. */
  scheduledAtLocal: string | null;
  timeZone: string;
  round: number | null;
  total: number;
  byState: Record<string, number>;
  /** Messages per second over the last minute. */
  ratePerSecond: number;
  /**
   * Epoch ms when the round ends: while sending, estimated from the current rate (null when
   * nothing was sent in the last minute); once the round is over, when it ended.
   */
  expectedEndAt: number | null;
  /** When the round ended (finished, or cancelled); null while it runs. */
  finishedAt: number | null;
  pausedReason: string | null;
}

/**
 * Send, schedule, stop, start and cancel (PRODUCT.md §4, §9). Starting a round freezes the
 * recipient list into the send ledger in one statement (refreshing it first when "update list
 * when sending" is on); workers then claim ledger rows. Every state change is guarded by the
 * state it expects, so two processes can never both start the same mailing.
 */
export class SendingService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly mailings: MailingsService,
    private readonly recipients: RecipientsService,
    private readonly settings: Pick<SettingsService, 'get'>,
    private readonly files: {
      documentsDir: string;
      defaultCountry: string;
      engine: 'sqlite' | 'postgres';
      /** Test-send requests one actor may make per hour (default 60). */
      testSendsPerHour?: number | undefined;
    },
  ) {}

  /** Where document mailings' PDFs are written (the workers' document renderer uses it). */
  get documentsDir(): string {
    return this.files.documentsDir;
  }

  /** The latest PDF of a document mailing (`/mailings/{id}/document.pdf`). */
  async document(
    mailingId: number,
  ): Promise<{ file: string; letters: number; pages: number; bytes: number; createdAt: number }> {
    const m = await this.mailings.get(mailingId);
    const d = await this.db
      .selectFrom('documents')
      .selectAll()
      .where('mailing_id', '=', mailingId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!d)
      throw notFound(
        'DOCUMENT_NOT_READY',
        m.channel === 'document'
          ? `mailing ${mailingId} has no PDF yet: it is made when the mailing is sent`
          : `mailing ${mailingId} is a ${m.channel} mailing; only document mailings have a PDF`,
      );
    return {
      file: d.file,
      letters: d.letters,
      pages: d.pages,
      bytes: Number(d.bytes),
      createdAt: Number(d.created_at),
    };
  }

  async send(mailingId: number, actor: Actor): Promise<Progress> {
    const m = await this.mailings.get(mailingId);
    nextState(m.state, 'send');
    await this.mailings.requireComplete(mailingId);
    await this.startRound(mailingId, ['draft', 'scheduled'], 'send', actor);
    await this.audit.record(actor, 'mailing.send', 'mailing', mailingId);
    return this.progress(mailingId);
  }

  /**
   * A new round of a finished (or stopped) mailing (PRODUCT.md §12), through the same ledger:
   * `selected` recipients (sent, delivered, read, failed or bounced), `nonReaders` (sent or
   * delivered with no human read), or `reload` (the sources evaluated again; only those not in the
   * list yet). Never to an unsubscribed recipient, a complainer, or an address blocked meanwhile:
   * the answer counts each skipped recipient under its reason.
   */
  async resend(
    mailingId: number,
    input: z.input<typeof resendInput>,
    actor: Actor,
  ): Promise<{ round: number; recipients: number; skipped: Array<{ reason: string; count: number }> }> {
    const v = resendInput.parse(input);
    const m = await this.mailings.get(mailingId);
    nextState(m.state, 'resend');
    const now = this.clock.now();
    let chosen = 0;
    const skipped: Array<{ reason: string; count: number }> = [];
    const skip = (reason: string, count: number) => {
      if (count > 0) skipped.push({ reason, count });
    };
    if (v.mode === 'reload') {
      chosen = await this.recipients.addNew(mailingId, actor);
    } else {
      await this.db.transaction().execute(async (trx) => {
        const resendable = ['sent', 'delivered', 'read', 'failed', 'bounced'];
        let candidates = trx
          .selectFrom('recipients')
          .select((eb) => [
            'id',
            'status',
            'unsubscribed_at',
            eb
              .exists(
                eb
                  .selectFrom('blocked_addresses as b')
                  .select('b.address_key')
                  .whereRef('b.address_key', '=', sql`posthorn_lower(recipients.address)`),
              )
              .as('blocked'),
          ])
          .where('mailing_id', '=', mailingId);
        const ids = v.mode === 'selected' ? [...new Set(v.recipientIds)] : [];
        if (v.mode === 'selected') candidates = candidates.where('id', 'in', ids);
        // non-readers: sent (or delivered) and never read by a human
        else
          candidates = candidates
            .where('status', 'in', ['sent', 'delivered'])
            .where('first_read_at', 'is', null);
        const rows = await candidates.execute();
        const eligible: number[] = [];
        let unsubscribed = 0;
        let complained = 0;
        let blocked = 0;
        let notSent = 0;
        for (const r of rows) {
          if (r.unsubscribed_at !== null) unsubscribed += 1;
          else if (r.status === 'complained') complained += 1;
          else if (r.blocked === true || Number(r.blocked) === 1) blocked += 1;
          else if (!resendable.includes(r.status)) notSent += 1;
          else eligible.push(r.id);
        }
        skip('notInMailing: not a recipient of this mailing', ids.length - rows.length);
        skip('notSentYet: only sent, delivered, read, failed or bounced recipients are sent again', notSent);
        skip('unsubscribed: they unsubscribed from this mailing', unsubscribed);
        skip('complained: they reported it as spam', complained);
        skip(
          'addressBlocked: their address was blocked meanwhile (a hard bounce, a complaint or an unsubscribe)',
          blocked,
        );
        // in chunks: a resend to the non-readers of a large mailing names many rows
        for (let k = 0; k < eligible.length; k += 5000)
          await trx
            .updateTable('recipients')
            .set({ status: 'ready', reason: null, status_at: now })
            .where('id', 'in', eligible.slice(k, k + 5000))
            .execute();
        chosen = eligible.length;
        await recount(trx, mailingId);
      });
    }
    if (chosen === 0)
      throw invalid('NOTHING_TO_RESEND', 'no recipient to send to: none matched', { mode: v.mode, skipped });
    await this.startRound(mailingId, ['finished', 'stopped'], 'resend', actor, { rebuild: false });
    await this.audit.record(actor, 'mailing.resend', 'mailing', mailingId, {
      mode: v.mode,
      recipients: chosen,
      skipped,
    });
    const round = await this.db
      .selectFrom('send_rounds')
      .select((eb) => eb.fn.max<number>('number').as('n'))
      .where('mailing_id', '=', mailingId)
      .where('kind', '=', 'bulk')
      .executeTakeFirstOrThrow();
    return { round: Number(round.n), recipients: chosen, skipped };
  }

  async schedule(mailingId: number, input: z.input<typeof scheduleInput>, actor: Actor): Promise<Progress> {
    const v = scheduleInput.parse(input);
    const zone = await this.timeZoneOf(actor);
    const at = /(Z|[+-]\d{2}:?\d{2})$/i.test(v.at) ? Date.parse(v.at) : zonedToUtc(v.at, zone);
    if (Number.isNaN(at)) throw invalid('INVALID_TIME', `"${v.at}" is not a time`, { field: 'at' });
    const m = await this.mailings.get(mailingId);
    nextState(m.state, 'schedule');
    if (at <= this.clock.now())
      throw invalid('SCHEDULE_IN_PAST', 'the time is in the past: send now instead', { field: 'at' });
    await this.mailings.requireComplete(mailingId);
    const moved = await moveMailing(this.db, mailingId, m.state, 'schedule', this.clock.now(), {
      scheduled_at: at,
    });
    if (moved === null) throw conflict('MAILING_STATE_CHANGED', 'the mailing changed meanwhile; try again');
    await this.audit.record(actor, 'mailing.schedule', 'mailing', mailingId, {
      at: new Date(at).toISOString(),
    });
    return this.progress(mailingId, actor);
  }

  /**
   * Test send (PRODUCT.md §6): the mailing, merged with a sample recipient's values, to
   * `;`-separated addresses through the real channel, in the test lane (never behind bulk), marked
   * as test and excluded from statistics; its links work.
   */
  async testSend(
    mailingId: number,
    input: z.input<typeof testSendInput>,
    actor: Actor,
  ): Promise<{ roundId: number; addresses: string[] }> {
    const v = testSendInput.parse(input);
    const m = await this.mailings.get(mailingId);
    if (m.channel === 'document')
      throw invalid(
        'TEST_SEND_CHANNEL',
        'a document mailing has no test send: look at its preview (one letter per recipient) instead',
        { channel: m.channel },
      );
    const failing = (await this.mailings.steps(mailingId)).filter(
      (s) => (s.step === 'setup' || s.step === 'content') && !s.complete,
    );
    if (failing.length > 0)
      throw conflict('MAILING_INCOMPLETE', `incomplete: ${failing.map((s) => s.step).join(', ')}`, {
        steps: failing.map((s) => ({ step: s.step, errors: s.errors })),
      });
    const addresses: string[] = [];
    const keys: string[] = [];
    for (const part of v.addresses
      .split(';')
      .map((a) => a.trim())
      .filter((a) => a !== '')) {
      if (m.channel === 'sms') {
        const r = validateMobile(part, this.files.defaultCountry);
        if (!r.valid)
          throw invalid('INVALID_MOBILE', `"${part}": ${r.message}`, { field: 'addresses', value: part });
        addresses.push(r.e164);
        keys.push(r.e164.toLowerCase());
        continue;
      }
      const r = validateEmail(part);
      if (!r.valid)
        throw invalid('INVALID_EMAIL', `"${part}": ${r.message}`, { field: 'addresses', value: part });
      addresses.push(r.address);
      keys.push(r.key);
    }
    if (addresses.length === 0 || addresses.length > 20)
      throw invalid('TEST_SEND_ADDRESSES', 'give 1 to 20 addresses, separated by ;', { field: 'addresses' });
    // a test send is no way around a bounce, a complaint or an unsubscribe
    const blocked = await this.db
      .selectFrom('blocked_addresses')
      .select(['address', 'reason'])
      .where('address_key', 'in', keys)
      .execute();
    if (blocked.length > 0)
      throw invalid(
        'TEST_ADDRESS_BLOCKED',
        `${blocked.map((b) => `${b.address} (${b.reason})`).join(', ')} ${blocked.length === 1 ? 'is' : 'are'} blocked: a test send does not go to a blocked address`,
        { field: 'addresses', blocked: blocked.map((b) => ({ address: b.address, reason: b.reason })) },
      );
    // per actor and hour, counted in the database so it holds across processes
    const perHour = this.files.testSendsPerHour ?? 60;
    const recent = await this.db
      .selectFrom('send_rounds')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'test')
      .where('created_by', '=', actor.label)
      .where('created_at', '>', this.clock.now() - 3_600_000)
      .executeTakeFirst();
    if (Number(recent?.n ?? 0) >= perHour)
      throw new AppError(
        'tooManyRequests',
        'TEST_SEND_RATE_LIMITED',
        `at most ${perHour} test sends an hour per user; try again later`,
        { limitPerHour: perHour },
      );
    const sample =
      v.recipientId ??
      (
        await this.db
          .selectFrom('recipients')
          .select('id')
          .where('mailing_id', '=', mailingId)
          .where('status', '!=', 'blocked')
          .orderBy('id')
          .executeTakeFirst()
      )?.id ??
      null;
    const now = this.clock.now();
    const domain = messageIdDomain(m.channel, m.setup);
    const roundId = await ledger.insertTestRound(this.db, {
      mailingId,
      channel: m.channel,
      addresses,
      sampleRecipientId: sample,
      domain,
      createdBy: actor.label,
      now,
    });
    await this.audit.record(actor, 'mailing.testSend', 'mailing', mailingId, { addresses });
    return { roundId, addresses };
  }

  /** Releases rows held for review after a worker died: they are sent (again) with their Message-ID. */
  async releaseHeld(mailingId: number, actor: Actor): Promise<{ released: number }> {
    await this.mailings.get(mailingId);
    const released = await ledger.releaseHeld(this.db, mailingId, this.clock.now());
    await this.audit.record(actor, 'mailing.releaseHeld', 'mailing', mailingId, { released });
    return { released };
  }

  /** Stop pauses: workers claim nothing more of it; what is in flight finishes. */
  async stop(mailingId: number, actor: Actor): Promise<Progress> {
    await this.transition(mailingId, 'stop', actor, (trx) => ledger.stopRounds(trx, mailingId));
    return this.progress(mailingId);
  }

  /** Start resumes a stopped mailing, or starts a scheduled one now. */
  async start(mailingId: number, actor: Actor): Promise<Progress> {
    const m = await this.mailings.get(mailingId);
    nextState(m.state, 'start');
    if (m.state === 'scheduled') {
      await this.mailings.requireComplete(mailingId);
      await this.startRound(mailingId, ['scheduled'], 'start', actor);
      await this.audit.record(actor, 'mailing.start', 'mailing', mailingId);
    } else {
      await this.transition(mailingId, 'start', actor, (trx) => ledger.resumeRounds(trx, mailingId));
    }
    return this.progress(mailingId);
  }

  /**
   * Cancel ends it for good: rows not yet sent are cancelled, and so are their recipients (and
   * those of a scheduled mailing that never started), so a person's history says so.
   */
  async cancel(mailingId: number, actor: Actor): Promise<Progress> {
    await this.transition(mailingId, 'cancel', actor, async (trx) => {
      const now = this.clock.now();
      await ledger.cancelRounds(trx, mailingId, now);
      // a row a worker holds right now ('sending') finishes and moves its recipient itself
      await trx
        .updateTable('recipients')
        .set({ status: 'cancelled', status_at: now })
        .where('mailing_id', '=', mailingId)
        .where((eb) =>
          eb.or([
            eb('status', '=', 'ready'),
            eb.and([
              eb('status', '=', 'sending'),
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('ledger as l')
                    .select('l.id')
                    .whereRef('l.recipient_id', '=', 'recipients.id')
                    .where('l.mailing_id', '=', mailingId)
                    .where('l.state', '=', 'sending'),
                ),
              ),
            ]),
          ]),
        )
        .execute();
      await recount(trx, mailingId);
    });
    return this.progress(mailingId);
  }

  /**
   * The scheduler's tick: starts every scheduled mailing that is due and returns how many started.
   * One leader: on PostgreSQL only the process holding the scheduler's advisory lock (for the
   * length of the tick) starts anything; on SQLite there is one process. The state guard of each
   * start would stop a double start anyway; the lock keeps the processes from racing for it.
   */
  async startDue(actor: Actor): Promise<number> {
    if (this.files.engine !== 'postgres') return this.startDueAsLeader(actor);
    return this.db.transaction().execute(async (trx) => {
      const lock = await sql<{
        got: boolean;
      }>`select pg_try_advisory_xact_lock(${SCHEDULER_LOCK}, hashtext(current_schema())) as got`.execute(trx);
      return lock.rows[0]?.got ? this.startDueAsLeader(actor) : 0;
    });
  }

  private async startDueAsLeader(actor: Actor): Promise<number> {
    const due = await this.db
      .selectFrom('mailings')
      .select('id')
      .where('state', '=', 'scheduled')
      .where('scheduled_at', '<=', this.clock.now())
      .execute();
    let started = 0;
    for (const d of due) {
      try {
        await this.startRound(d.id, ['scheduled'], 'start', actor);
        started += 1;
      } catch (e) {
        // a mailing that became incomplete or was taken by another process stays as it is
        await this.audit.record(actor, 'mailing.startFailed', 'mailing', d.id, {
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
    return started;
  }

  /**
   * A user's own time zone; the instance's (setting `timeZone`) for an API key, the CLI and the
   * scheduler, which have no user of their own.
   */
  private async timeZoneOf(actor: Actor | undefined): Promise<string> {
    if (actor?.userId) {
      const u = await this.db
        .selectFrom('users')
        .select('time_zone')
        .where('id', '=', actor.userId)
        .executeTakeFirst();
      if (u && isTimeZone(u.time_zone)) return u.time_zone;
    }
    return (await this.settings.get()).timeZone;
  }

  async progress(mailingId: number, actor?: Actor): Promise<Progress> {
    const m = await this.mailings.get(mailingId);
    const zone = await this.timeZoneOf(actor);
    const round = await this.db
      .selectFrom('send_rounds')
      .selectAll()
      .where('mailing_id', '=', mailingId)
      .where('kind', '=', 'bulk')
      .orderBy('number', 'desc')
      .executeTakeFirst();
    const byState: Record<string, number> = {};
    let ratePerSecond = 0;
    let expectedEndAt: number | null = null;
    if (round) {
      const rows = await this.db
        .selectFrom('ledger')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .where('round_id', '=', round.id)
        .groupBy('state')
        .execute();
      for (const r of rows) byState[r.state] = Number(r.n);
      const now = this.clock.now();
      const recent = await this.db
        .selectFrom('ledger')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('round_id', '=', round.id)
        .where('sent_at', '>=', now - 60_000)
        .executeTakeFirst();
      ratePerSecond = Number(recent?.n ?? 0) / 60;
      const left = (byState.ready ?? 0) + (byState.sending ?? 0);
      expectedEndAt =
        round.finished_at !== null
          ? round.finished_at
          : left === 0
            ? now
            : ratePerSecond > 0
              ? now + Math.round((left / ratePerSecond) * 1000)
              : null;
    }
    return {
      mailingId,
      state: m.state,
      scheduledAt: m.scheduledAt === null ? null : new Date(m.scheduledAt).toISOString(),
      scheduledAtLocal: m.scheduledAt === null ? null : formatInZone(m.scheduledAt, zone),
      timeZone: zone,
      round: round?.number ?? null,
      total: round?.total ?? 0,
      byState,
      ratePerSecond,
      expectedEndAt,
      finishedAt: round?.finished_at ?? null,
      pausedReason: round?.paused_reason ?? null,
    };
  }

  /**
   * Freezes the recipient list into a new round's ledger and moves the mailing to `sending`, in
   * one transaction guarded by the mailing's state. Message-IDs are fixed here, per ledger row,
   * so a resend after a crash carries the same Message-ID.
   */
  private async startRound(
    mailingId: number,
    from: MailingState[],
    action: 'send' | 'resend' | 'start',
    actor: Actor,
    options: { rebuild?: boolean } = {},
  ): Promise<void> {
    const row = await this.db
      .selectFrom('mailings')
      .selectAll()
      .where('id', '=', mailingId)
      .executeTakeFirst();
    if (!row) throw notFound('MAILING_NOT_FOUND', `mailing ${mailingId} does not exist`);
    if (options.rebuild !== false && recipientOptionsOf(row).updateListWhenSending)
      await this.recipients.build(mailingId, actor);
    const now = this.clock.now();
    const domain = messageIdDomain(row.channel, JSON.parse(row.setup));
    await this.db.transaction().execute(async (trx) => {
      // the state as it is now (building the list may have moved it), guarded by the lifecycle
      const current = await trx
        .selectFrom('mailings')
        .select('state')
        .where('id', '=', mailingId)
        .executeTakeFirst();
      const state = current?.state;
      const moved =
        state !== undefined && from.includes(state)
          ? await moveMailing(trx, mailingId, state, action, now, { sent_anything: 1, scheduled_at: null })
          : null;
      if (moved === null) throw conflict('MAILING_STATE_CHANGED', 'the mailing changed meanwhile; try again');
      await ledger.freezeRound(trx, {
        mailingId,
        channel: row.channel,
        domain,
        engine: this.files.engine,
        createdBy: actor.label,
        now,
      });
      await trx
        .updateTable('recipients')
        .set({ status: 'sending', status_at: now })
        .where('mailing_id', '=', mailingId)
        .where('status', '=', 'ready')
        .execute();
      await trx
        .updateTable('recipient_counts')
        .set({ status: 'sending' })
        .where('mailing_id', '=', mailingId)
        .where('status', '=', 'ready')
        .execute();
    });
  }

  /**
   * A lifecycle action: the state moves as the lifecycle table allows, guarded by the state it
   * was read in, and its effect on rounds, ledger and recipients happens in the same transaction.
   */
  private async transition(
    mailingId: number,
    action: 'stop' | 'start' | 'cancel',
    actor: Actor,
    effect: (trx: Kysely<Database>) => Promise<void>,
  ): Promise<void> {
    const m = await this.mailings.get(mailingId);
    nextState(m.state, action);
    await this.db.transaction().execute(async (trx) => {
      const moved = await moveMailing(
        trx,
        mailingId,
        m.state,
        action,
        this.clock.now(),
        action === 'cancel' ? { scheduled_at: null } : {},
      );
      if (moved === null) throw conflict('MAILING_STATE_CHANGED', 'the mailing changed meanwhile; try again');
      await effect(trx);
    });
    await this.audit.record(actor, `mailing.${action}`, 'mailing', mailingId);
  }
}

/**
 * The right part of a mailing's Message-IDs: its sending domain (the From address's domain, an
 * FQDN, in ASCII), as receivers and filters expect; a bare word there is suspicious to them. SMS
 * and letters carry no Message-ID: a reserved name stands in for their ledger rows.
 */
export function messageIdDomain(channel: string, setup: unknown): string {
  if (channel === 'email' || channel === 'formResponse') {
    const address = (setup as { from?: { address?: unknown } } | null)?.from?.address;
    if (typeof address === 'string' && address.includes('@')) {
      const domain = domainToASCII(address.slice(address.lastIndexOf('@') + 1).toLowerCase());
      if (domain.includes('.')) return domain;
    }
  }
  return 'posthorn.invalid';
}

/** The mailing's stored counts, counted again (after rows moved between statuses in bulk). */
async function recount(trx: Kysely<Database>, mailingId: number): Promise<void> {
  await trx.deleteFrom('recipient_counts').where('mailing_id', '=', mailingId).execute();
  await sql`insert into recipient_counts (mailing_id, status, reason, n)
    select mailing_id, status, coalesce(reason, ''), count(*) from recipients where mailing_id = ${mailingId}
    group by mailing_id, status, coalesce(reason, '')`.execute(trx);
}
