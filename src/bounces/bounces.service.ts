import type { Kysely } from 'kysely';
import { z } from 'zod';
import { emailKey } from '../addresses/index.js';
import {
  type Actor,
  type AuditSink,
  type Clock,
  notFound,
  type Page,
  type TokenSigner,
} from '../core/index.js';
import { PreferencesService } from '../crm/index.js';
// biome-ignore lint/style/noRestrictedImports: recipient states are getting their own owner (issue 12 §8, in progress)
import { moveRecipients } from '../sending/recipient-status.js';
import type { SettingsService } from '../settings/index.js';
import type { Database } from '../storage/index.js';
import { parseRecipientToken, parseReturnPathToken, type RecipientToken } from '../tracking/index.js';
import type { BounceReport } from './parse.js';

export type BounceSource = 'smtp' | 'imap' | 'webhook';

export interface IngestOutcome {
  matched: boolean;
  kind: BounceReport['kind'];
  recipientId: number | null;
  mailingId: number | null;
  /** Why it could not be matched, or what it changed. */
  note: string;
}

export interface BlockedAddress {
  address: string;
  channel: string;
  reason: string;
  code: string | null;
  diagnostic: string | null;
  blockedAt: number;
  personIds: number[];
}

export const blockedQuery = z.object({
  reason: z.string().trim().max(50).optional(),
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * Why a report addressed with (or quoting) only a link token is kept unmatched. The code word
 * comes first so that the unmatched list can be filtered by it.
 */
export const linkTokenNotAccepted =
  'linkTokenNotAccepted: the report names its recipient only by a link token, which every forwarded copy carries; only the return-path token (bounces+…) or the original Message-ID identifies a recipient';

/**
 * Bounces and complaints (PRODUCT.md §11), however they arrive (inbound SMTP, IMAP, webhook):
 * matched to the recipient by the return-path (VERP) token or the original Message-ID, never by a
 * link token (`List-Unsubscribe`, tracking links: see `match`), recorded (matched or not, with
 * the reason), and acted on in one transaction. Hard → the address is blocked at once; soft →
 * counted per mailing, blocked after N consecutive bounced mailings (the `bounceThreshold`
 * setting), reset by a delivery or a read; complaint → recipient `complained`, e-marketing
 * consent withdrawn (source `complaint`), address blocked.
 */
export class BouncesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly settings: SettingsService,
    private readonly signer: TokenSigner,
    /** The one writer of blocked addresses, soft-bounce counts and consent. */
    private readonly preferences: PreferencesService = new PreferencesService(db, clock, audit),
  ) {}

  /**
   * Finds the recipient a report is about: `[recipientId, mailingId]`, or why not. Only a
   * return-path token (purpose `b`, from the VERP address or the quoted original's Return-Path)
   * or the original Message-ID identifies a recipient. A link token (purpose `r`: the tracking
   * links and `List-Unsubscribe`) is in every forwarded copy, so a report naming one is not
   * believed: anyone could otherwise block the person's address with a forged "user unknown".
   */
  private async match(
    report: BounceReport,
    hintTokens: readonly string[],
  ): Promise<{ recipientId: number; mailingId: number } | { unmatched: string }> {
    const tokens = [
      ...hintTokens,
      ...report.addressedTo.flatMap((a) => /^(?:bounces|unsubscribe)\+([^@]+)@/i.exec(a)?.[1] ?? []),
      ...report.originalTokens,
    ];
    let sawTest = false;
    let sawLinkToken = false;
    for (const token of tokens) {
      const t = parseReturnPathToken(this.signer, token);
      if (!t) {
        if (parseRecipientToken(this.signer, token)) sawLinkToken = true;
        continue;
      }
      if (t.test) {
        sawTest = true;
        continue;
      }
      const r = await this.db
        .selectFrom('recipients')
        .select('id')
        .where('id', '=', t.recipientId)
        .where('mailing_id', '=', t.mailingId)
        .executeTakeFirst();
      if (r) return { recipientId: t.recipientId, mailingId: t.mailingId };
    }
    if (report.originalMessageId) {
      const l = await this.db
        .selectFrom('ledger')
        .select(['recipient_id', 'mailing_id', 'test'])
        .where('message_id', '=', report.originalMessageId)
        .executeTakeFirst();
      if (l?.test === 1) sawTest = true;
      else if (l?.recipient_id) return { recipientId: l.recipient_id, mailingId: l.mailing_id };
    }
    if (sawTest) return { unmatched: 'a test send: bounces of test messages change nothing' };
    if (sawLinkToken) return { unmatched: linkTokenNotAccepted };
    return {
      unmatched:
        tokens.length > 0 || report.originalMessageId
          ? 'unknown recipient: no recipient has this token or Message-ID'
          : 'unknown recipient: the report carries no VERP token or Message-ID of ours',
    };
  }

  /** The recipient a return-path token is about, or null (the inbound receiver checks RCPT TO). */
  returnPathToken(token: string): RecipientToken | null {
    return parseReturnPathToken(this.signer, token);
  }

  /** Records a report and applies its effects; never throws for a report it cannot match. */
  async ingest(
    report: BounceReport,
    source: BounceSource,
    hintTokens: readonly string[] = [],
  ): Promise<IngestOutcome> {
    const found = await this.match(report, hintTokens);
    const now = this.clock.now();
    const { bounceThreshold } = await this.settings.get();
    const code = report.status ?? report.code;
    const diagnostic = report.diagnostic?.slice(0, 1000) ?? null;
    if ('unmatched' in found) {
      await this.db
        .insertInto('bounces')
        .values({
          mailing_id: null,
          recipient_id: null,
          address: report.recipient,
          kind: report.kind,
          status: report.status,
          code: report.code,
          diagnostic,
          source,
          matched: 0,
          unmatched_reason: found.unmatched,
          received_at: now,
        })
        .execute();
      return { matched: false, kind: report.kind, recipientId: null, mailingId: null, note: found.unmatched };
    }
    const { recipientId, mailingId } = found;
    let note = '';
    await this.db.transaction().execute(async (trx) => {
      const r = await trx
        .selectFrom('recipients as r')
        .innerJoin('mailings as m', 'm.id', 'r.mailing_id')
        .select(['r.address', 'r.person_id', 'r.status', 'm.channel'])
        .where('r.id', '=', recipientId)
        .executeTakeFirstOrThrow();
      const address = r.address ?? report.recipient;
      await trx
        .insertInto('bounces')
        .values({
          mailing_id: mailingId,
          recipient_id: recipientId,
          address,
          kind: report.kind,
          status: report.status,
          code: report.code,
          diagnostic,
          source,
          matched: 1,
          unmatched_reason: null,
          received_at: now,
        })
        .execute();
      const done = [{ recipient_id: recipientId, mailing_id: mailingId }];
      const block = async (reason: string) => {
        if (!address) return;
        await this.preferences.blockAddress({ address, channel: r.channel, reason, code, diagnostic }, trx);
      };
      const bounced = async (reason: 'hardBounce' | 'softBounce') => {
        for (const from of ['sent', 'delivered', 'bounced'])
          if (from !== 'bounced' || reason === 'hardBounce')
            await moveRecipients(trx, done, from, 'bounced', reason, now);
        await trx
          .updateTable('recipients')
          .set({ bounced_at: now, bounce_code: code, bounce_diagnostic: diagnostic })
          .where('id', '=', recipientId)
          .execute();
      };
      switch (report.kind) {
        case 'hard':
          await bounced('hardBounce');
          await block('hardBounce');
          note = 'hard bounce: the address is blocked';
          break;
        case 'soft': {
          await bounced('softBounce');
          // consecutive bounced mailings: a second soft bounce of the same mailing is not another one
          const count = address ? await this.preferences.countSoftBounce(address, mailingId, trx) : null;
          if (count === null) break;
          if (count >= bounceThreshold) {
            await block('softBounces');
            note = `soft bounce ${count} of ${bounceThreshold}: the address is blocked`;
          } else note = `soft bounce ${count} of ${bounceThreshold}`;
          break;
        }
        case 'complaint':
          // most complaints come from someone who opened it: a reader complains too
          for (const from of ['sent', 'delivered', 'read', 'bounced'])
            await moveRecipients(trx, done, from, 'complained', null, now);
          if (r.person_id !== null)
            await this.preferences.withdrawConsent(
              r.person_id,
              'emarketing',
              'complaint',
              `spam complaint about mailing ${mailingId}`,
              trx,
            );
          await block('complaint');
          note = 'complaint: e-marketing consent withdrawn and the address blocked';
          break;
        case 'delivered':
          await moveRecipients(trx, done, 'sent', 'delivered', null, now);
          if (address) await this.preferences.resetSoftBounces(address, trx);
          note = 'delivered: the soft-bounce count is reset';
          break;
      }
    });
    return { matched: true, kind: report.kind, recipientId, mailingId, note };
  }

  /** A message to a bounce address that is not a bounce: recorded as unmatched with the reason. */
  async recordUnreadable(reason: string, source: BounceSource, token?: string): Promise<string> {
    const t = token ? parseReturnPathToken(this.signer, token) : null;
    // a link token names a recipient too, but anyone may have it: said so, not taken as fact
    const link = token && !t ? parseRecipientToken(this.signer, token) : null;
    await this.db
      .insertInto('bounces')
      .values({
        mailing_id: null,
        recipient_id: null,
        address: null,
        kind: 'unreadable',
        status: null,
        code: null,
        diagnostic: t
          ? `for recipient ${t.recipientId} of mailing ${t.mailingId}`
          : link
            ? `addressed with the link token of recipient ${link.recipientId} of mailing ${link.mailingId}`
            : null,
        source,
        matched: 0,
        unmatched_reason: reason,
        received_at: this.clock.now(),
      })
      .execute();
    return `unmatched: ${reason}`;
  }

  /** Unmatched reports, newest first (what came in that Posthorn could not place). */
  async unmatched(query: { limit: number; offset: number }) {
    const rows = await this.db
      .selectFrom('bounces')
      .selectAll()
      .where('matched', '=', 0)
      .orderBy('id', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return rows.map((b) => ({
      id: b.id,
      kind: b.kind,
      address: b.address,
      status: b.status,
      code: b.code,
      diagnostic: b.diagnostic,
      source: b.source,
      reason: b.unmatched_reason,
      receivedAt: b.received_at,
    }));
  }

  /** The blocked addresses of every mailing, with the persons that have them. */
  async blocked(input: z.input<typeof blockedQuery>): Promise<Page<BlockedAddress>> {
    const q = blockedQuery.parse(input);
    let base = this.db.selectFrom('blocked_addresses');
    if (q.reason) base = base.where('reason', '=', q.reason);
    if (q.q) base = base.where('address_key', 'like', `%${q.q.toLowerCase().replace(/[%_]/g, '')}%`);
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('blocked_at', 'desc').limit(q.limit).offset(q.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const keys = rows.map((r) => r.address_key);
    const owners = await this.owners(keys);
    return {
      items: rows.map((r) => ({
        address: r.address,
        channel: r.channel,
        reason: r.reason,
        code: r.code,
        diagnostic: r.diagnostic,
        blockedAt: r.blocked_at,
        personIds: owners.filter((o) => o.email_key === r.address_key).map((o) => o.person_id),
      })),
      total: Number(total.n),
    };
  }

  /** Persons having these addresses (any of their addresses, or the primary one). */
  private async owners(
    keys: string[],
    db: Kysely<Database> = this.db,
  ): Promise<Array<{ person_id: number; email_key: string }>> {
    if (keys.length === 0) return [];
    const [listed, primary] = await Promise.all([
      db
        .selectFrom('person_emails')
        .select(['person_id', 'email_key'])
        .where('email_key', 'in', keys)
        .execute(),
      db
        .selectFrom('persons')
        .select(['id as person_id', 'email_key'])
        .where('email_key', 'in', keys)
        .execute(),
    ]);
    const seen = new Set<string>();
    return [...listed, ...primary]
      .filter((r): r is { person_id: number; email_key: string } => r.email_key !== null)
      .filter((r) => {
        const k = `${r.person_id}:${r.email_key}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
  }

  private async requireBlocked(address: string): Promise<string> {
    const key = emailKey(address) ?? address.toLowerCase();
    const row = await this.db
      .selectFrom('blocked_addresses')
      .select('address_key')
      .where('address_key', '=', key)
      .executeTakeFirst();
    if (!row) throw notFound('ADDRESS_NOT_BLOCKED', `${address} is not a blocked address`);
    return key;
  }

  /**
   * Clear the flag: the address is sendable again and its soft-bounce count starts over. An
   * unsubscribe or a complaint is the person's own wish (for an unregistered address the only
   * record of it): clearing one needs the right to override consent, and the audit log keeps what
   * was cleared.
   */
  async clear(address: string, actor: Actor): Promise<void> {
    const key = await this.requireBlocked(address);
    await this.preferences.clearBlockedAddress(address, key, actor);
  }

  /** The persons with this address are former employees (they get no mailings); it stays blocked. */
  async setFormerEmployee(address: string, actor: Actor): Promise<{ persons: number }> {
    const key = await this.requireBlocked(address);
    const ids = [...new Set((await this.owners([key])).map((r) => r.person_id))];
    if (ids.length > 0)
      await this.db
        .updateTable('persons')
        .set({ former_employee: 1, updated_at: this.clock.now() })
        .where('id', 'in', ids)
        .execute();
    await this.audit.record(actor, 'blockedAddress.formerEmployee', 'blockedAddress', key, {
      persons: ids.length,
    });
    return { persons: ids.length };
  }

  /** Removes the address from every person that has it (another address becomes primary); it stays blocked. */
  async deleteAddress(address: string, actor: Actor): Promise<{ persons: number }> {
    const key = await this.requireBlocked(address);
    const now = this.clock.now();
    const ids = await this.db.transaction().execute(async (trx) => {
      const rows = [...new Set((await this.owners([key], trx)).map((r) => r.person_id))].map((person_id) => ({
        person_id,
      }));
      await trx.deleteFrom('person_emails').where('email_key', '=', key).execute();
      for (const { person_id } of rows) {
        const next = await trx
          .selectFrom('person_emails')
          .select(['id', 'email', 'email_key'])
          .where('person_id', '=', person_id)
          .orderBy('is_primary', 'desc')
          .orderBy('id')
          .executeTakeFirst();
        if (next)
          await trx.updateTable('person_emails').set({ is_primary: 1 }).where('id', '=', next.id).execute();
        await trx
          .updateTable('persons')
          .set({ email: next?.email ?? null, email_key: next?.email_key ?? null, updated_at: now })
          .where('id', '=', person_id)
          .execute();
      }
      return rows.map((r) => r.person_id);
    });
    await this.audit.record(actor, 'blockedAddress.deleteAddress', 'blockedAddress', key, {
      persons: ids.length,
    });
    return { persons: ids.length };
  }
}
