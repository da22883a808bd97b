import type { Kysely } from 'kysely';
import { simpleParser } from 'mailparser';
import { type Clock, notFound, type Page } from '../../core/index.js';
import { escapeHtml } from '../../merge/index.js';
import type { Database } from '../../storage/index.js';

/** A captured message as the outbox list shows it. */
export interface OutboxItem {
  id: number;
  mailingId: number | null;
  channel: 'email' | 'sms';
  address: string;
  /** The SMTP envelope sender (the VERP return path); null for SMS. */
  envelopeFrom: string | null;
  subject: string | null;
  test: boolean;
  createdAt: number;
  /** Where the raw message and its sandboxed view are served. */
  raw: string;
  html: string;
}

/**
 * The dev outbox (docs/operations.md): where e-mail and SMS go when no relay or gateway is set.
 * The one owner of the `outbox` table: the dev transports capture through it, the API reads it.
 */
export class OutboxService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores an e-mail as a receiving server would deliver it: the envelope sender (the VERP
   * return path) in a `Return-Path:` header first, and in `envelope_from` for the list.
   */
  async captureEmail(m: {
    ledgerId: number | null;
    mailingId: number | null;
    from: string;
    to: string;
    subject: string;
    raw: Buffer;
    test: boolean;
  }): Promise<number> {
    const returnPath = m.from.replace(/[\r\n<>]/g, '');
    const r = await this.db
      .insertInto('outbox')
      .values({
        ledger_id: m.ledgerId,
        mailing_id: m.mailingId,
        channel: 'email',
        address: m.to,
        subject: m.subject,
        test: m.test ? 1 : 0,
        message: `Return-Path: <${returnPath}>\r\n${m.raw.toString('utf8')}`,
        envelope_from: returnPath,
        created_at: this.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  /** Stores an SMS (its text as the message, the sender in the subject). */
  async captureSms(m: {
    ledgerId: number | null;
    mailingId: number | null;
    from: string;
    to: string;
    text: string;
    test: boolean;
  }): Promise<number> {
    const r = await this.db
      .insertInto('outbox')
      .values({
        ledger_id: m.ledgerId,
        mailing_id: m.mailingId,
        channel: 'sms',
        address: m.to,
        subject: `from ${m.from}`,
        test: m.test ? 1 : 0,
        message: m.text,
        created_at: this.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  /** Captured messages, newest first. */
  async list(q: {
    limit: number;
    offset: number;
    mailingId?: number | undefined;
    channel?: 'email' | 'sms' | undefined;
  }): Promise<Page<OutboxItem>> {
    let query = this.db.selectFrom('outbox');
    if (q.mailingId) query = query.where('mailing_id', '=', q.mailingId);
    if (q.channel) query = query.where('channel', '=', q.channel);
    const [rows, total] = await Promise.all([
      query
        .select(['id', 'mailing_id', 'channel', 'address', 'envelope_from', 'subject', 'test', 'created_at'])
        .orderBy('id', 'desc')
        .limit(q.limit)
        .offset(q.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return {
      items: rows.map((r) => ({
        id: r.id,
        mailingId: r.mailing_id,
        channel: r.channel === 'sms' ? 'sms' : 'email',
        address: r.address,
        envelopeFrom: r.envelope_from,
        subject: r.subject,
        test: r.test === 1,
        createdAt: r.created_at,
        raw: `/api/v1/outbox/${r.id}/raw`,
        html: `/api/v1/outbox/${r.id}/html`,
      })),
      total: Number(total?.n ?? 0),
    };
  }

  /** One captured message as stored (an .eml for e-mail, the text for an SMS). */
  async raw(id: number): Promise<string> {
    const r = await this.db.selectFrom('outbox').select(['message']).where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('OUTBOX_MESSAGE_NOT_FOUND', `no captured message ${id}`);
    return r.message;
  }

  /**
   * One captured message as its recipient would see it: the e-mail's HTML part (its text part
   * escaped when it has none), or the SMS escaped. The HTML is the mailing's own, hostile: the
   * caller serves it only under the sandbox policy (docs/security.md).
   */
  async view(id: number): Promise<string> {
    const r = await this.db
      .selectFrom('outbox')
      .select(['message', 'channel', 'address', 'subject'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r) throw notFound('OUTBOX_MESSAGE_NOT_FOUND', `no captured message ${id}`);
    if (r.channel === 'email') {
      const mail = await simpleParser(r.message);
      return typeof mail.html === 'string' ? mail.html : `<pre>${escapeHtml(mail.text ?? '')}</pre>`;
    }
    return `<p>SMS to ${escapeHtml(r.address)} (${escapeHtml(r.subject ?? '')})</p><pre>${escapeHtml(r.message)}</pre>`;
  }
}
