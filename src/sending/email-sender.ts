import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Selectable } from 'kysely';
import { type DkimKey, signMessage } from '../channels/email/dkim.js';
import { buildFastEmail, fastPathAddresses } from '../channels/email/fast-mime.js';
import { buildEmail } from '../channels/email/message.js';
import type { Delivery, EmailTransport } from '../channels/email/transport.js';
import type { TokenSigner } from '../core/index.js';
import type { EmailSetup, MailingsService } from '../mailings/index.js';
import {
  compileTemplate,
  knownFieldTest,
  type MergeData,
  type MergeProgram,
  mergeValues,
} from '../merge/index.js';
import type { RecipientsService } from '../recipients/index.js';
import type { LedgerTable } from '../storage/index.js';
import { signReturnPathToken } from '../tracking/tokens.js';
import { mergeDataOfBatch } from './batch.js';
import type { Throttle } from './throttle.js';

export type LedgerRow = Selectable<LedgerTable>;

export interface SendOutcome {
  id: number;
  delivery: Delivery;
  /** Not tried: its destination is backing off until then (no attempt is counted). */
  deferUntil?: number | undefined;
}

/** Sends claimed ledger rows of one channel. */
export interface ChannelSender {
  sendBatch(rows: LedgerRow[]): Promise<SendOutcome[]>;
}

interface Prepared {
  version: number;
  subject: MergeProgram;
  html: MergeProgram;
  text: MergeProgram;
  setup: EmailSetup;
  subscriptionTypeId: number | null;
  /** The From domain's DKIM key, when it is a sending domain. */
  dkim: DkimKey | null;
  attachments: Array<{ filename: string; path: string; contentType: string }>;
}

export interface EmailSenderOptions {
  publicUrl: string;
  /** Domain of the VERP return path `bounces+<token>@<domain>` and the unsubscribe mailto. */
  bounceDomain: string;
  /** Messages in flight at once (the relay pool's connections). */
  concurrency: number;
}

/**
 * The e-mail channel's sender: the content is compiled once per mailing version; per recipient
 * only merge values, the signed recipient token and the MIME assembly remain. Headers: Message-ID
 * from the ledger, List-Unsubscribe (https + mailto) and List-Unsubscribe-Post when the mailing
 * has a subscription type, Feedback-ID, and a VERP return path per recipient.
 */
export class EmailSender implements ChannelSender {
  private readonly prepared = new Map<number, Prepared>();
  /** Reused render buffers (one message is built at a time per buffer: rendering is synchronous). */
  private readonly scratch: { html: Buffer; text: Buffer } = {
    html: Buffer.allocUnsafe(64 * 1024),
    text: Buffer.allocUnsafe(32 * 1024),
  };

  constructor(
    private readonly mailings: MailingsService,
    private readonly recipients: RecipientsService,
    private readonly signer: TokenSigner,
    private readonly domains: {
      keyFor(address: string): Promise<DkimKey | null>;
      validatedSender(address: string): Promise<{ validated: boolean; key: DkimKey | null }>;
    },
    private readonly transport: EmailTransport,
    private readonly options: EmailSenderOptions,
    private readonly throttle: Throttle,
  ) {}

  async sendBatch(rows: LedgerRow[]): Promise<SendOutcome[]> {
    await this.transport.ready?.();
    const concurrency = Math.max(this.options.concurrency, this.transport.concurrency ?? 0);
    const out: SendOutcome[] = [];
    // merge data for the whole batch, per mailing, in a few queries
    const data = await mergeDataOfBatch(this.recipients, rows);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++] as LedgerRow;
        // a test send without a sample recipient has only its address to merge
        const d =
          data.get(row.recipient_id ?? 0) ??
          (row.test === 1 ? { registered: false, name: null, email: row.address } : undefined);
        const destination = row.address.slice(row.address.lastIndexOf('@') + 1).toLowerCase();
        const until = this.throttle.backingOffUntil(destination);
        if (until !== null) {
          out.push({
            id: row.id,
            delivery: {
              ok: false,
              retryable: true,
              code: 'DEFERRED',
              message: `${destination} is backing off`,
            },
            deferUntil: until,
          });
          continue;
        }
        // a mailing that cannot be prepared fails in sendOne with the reason
        const wait = this.throttle.reserve(
          await this.fromDomain(row.mailing_id).catch(() => ''),
          destination,
        );
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const delivery = await this.sendOne(row, d);
        this.throttle.report(destination, delivery.ok, !delivery.ok && delivery.retryable);
        out.push({ id: row.id, delivery });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
    return out;
  }

  private async sendOne(row: LedgerRow, data: MergeData | undefined): Promise<Delivery> {
    try {
      const p = await this.prepare(row.mailing_id);
      const recipientId = row.recipient_id ?? 0;
      // a test send's token says so: its opens and clicks work but are never counted
      const token = this.signer.sign('r', `${row.mailing_id}.${recipientId}${row.test === 1 ? '.test' : ''}`);
      const base = this.options.publicUrl;
      if (!data)
        return {
          ok: false,
          retryable: false,
          code: 'RECIPIENT_GONE',
          message: `recipient ${recipientId} no longer exists`,
        };
      const values = mergeValues({
        ...data,
        links: {
          subscription: `${base}/t/u/${token}`,
          manageSubscriptions: `${base}/t/m/${token}`,
          viewOnline: `${base}/t/v/${token}`,
        },
      });
      const context = { inEmailClient: true, linkPrefix: `${base}/t/c/${token}/` };
      const headers: Record<string, string> = {
        'Feedback-ID': `${row.mailing_id}:${row.round_id}:posthorn`,
      };
      if (row.test === 1) headers['X-Posthorn-Test'] = 'yes';
      if (p.subscriptionTypeId !== null) {
        headers['List-Unsubscribe'] =
          `<${base}/t/u/${token}>, <mailto:unsubscribe+${token}@${this.options.bounceDomain}>`;
        headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
      }
      const s = p.setup;
      const subject = `${row.test === 1 ? '[TEST] ' : ''}${p.subject.render(values, context)}`;
      // the From rule: "our contact where specified" only when their address is on a validated
      // sending domain (then signed with that domain's key), otherwise the setup's name+address
      let from = { name: s.from.name, address: s.from.address };
      let dkim = p.dkim;
      const contact =
        s.from.rule === 'ourContact' ? (data.ourContact ?? data.company?.ourContact ?? null) : null;
      if (contact?.email) {
        const sender = await this.contactSender(contact.email);
        if (sender.validated) {
          from = { name: contact.name, address: contact.email };
          dkim = sender.key;
        }
      }
      const replyTo =
        s.replyTo.rule === 'own' ? { name: s.replyTo.name, address: s.replyTo.address } : undefined;
      let raw: Buffer;
      try {
        if (
          p.attachments.length === 0 &&
          fastPathAddresses(from.address, row.address, replyTo?.address ?? '')
        ) {
          // the sending path: rendered straight to bytes, our MIME writer and DKIM signer
          const html = p.html.renderBytes(values, context, this.scratch.html);
          this.scratch.html = html.buffer;
          const text = p.text.renderBytes(values, context, this.scratch.text);
          this.scratch.text = text.buffer;
          raw = buildFastEmail(
            {
              from,
              replyTo,
              to: row.address,
              subject,
              messageId: row.message_id,
              date: new Date(),
              headers,
              html: html.buffer.subarray(0, html.length),
              text: text.buffer.subarray(0, text.length),
            },
            dkim,
          );
        } else {
          const built = await buildEmail({
            from,
            replyTo,
            to: row.address,
            subject,
            html: p.html.render(values, context),
            text: p.text.render(values, context),
            messageId: row.message_id,
            date: new Date(),
            headers,
            attachments: p.attachments,
          });
          raw = dkim ? await signMessage(built, dkim) : built;
        }
      } catch (e) {
        // the mailing's problem (a key, a file), not the recipient's: retried, and the mailing
        // pauses itself with this reason when it keeps failing
        return {
          ok: false,
          retryable: true,
          code: 'MESSAGE_NOT_BUILT',
          message: `${dkim ? `building or DKIM-signing (${dkim.domain}) failed` : 'building failed'}: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
      return await this.transport.send({
        ledgerId: row.id,
        mailingId: row.mailing_id,
        // the return path has its own token: a link token from a forwarded copy matches no bounce
        from: `bounces+${signReturnPathToken(this.signer, row.mailing_id, recipientId, row.test === 1)}@${this.options.bounceDomain}`,
        to: row.address,
        subject,
        raw,
        test: row.test === 1,
      });
    } catch (e) {
      return {
        ok: false,
        retryable: true,
        code: 'BUILD_FAILED',
        message: e instanceof Error ? e.message : String(e),
      };
    }
  }

  /** Whether our contact's address may be the sender, cached a minute per address. */
  private readonly contactSenders = new Map<
    string,
    { at: number; sender: { validated: boolean; key: DkimKey | null } }
  >();

  private async contactSender(address: string): Promise<{ validated: boolean; key: DkimKey | null }> {
    const key = address.toLowerCase();
    const hit = this.contactSenders.get(key);
    if (hit && Date.now() - hit.at < 60_000) return hit.sender;
    const sender = await this.domains.validatedSender(address);
    this.contactSenders.set(key, { at: Date.now(), sender });
    return sender;
  }

  private async fromDomain(mailingId: number): Promise<string> {
    const p = await this.prepare(mailingId);
    return p.setup.from.address.slice(p.setup.from.address.lastIndexOf('@') + 1).toLowerCase();
  }

  private async prepare(mailingId: number): Promise<Prepared> {
    const m = await this.mailings.get(mailingId);
    const cached = this.prepared.get(mailingId);
    if (cached && cached.version === m.contentVersion) return cached;
    const rendered = await this.mailings.rendered(mailingId);
    const isKnown = knownFieldTest(await this.mailings.catalogue());
    const compile = (source: string, mode: 'html' | 'text' | 'header') => {
      const { program, errors } = compileTemplate(source, mode, { isKnown, internal: true });
      if (!program) throw new Error(`merge errors: ${errors[0]?.message ?? ''}`);
      return program;
    };
    const setup = m.setup as EmailSetup;
    const attachments = await this.mailings.attachmentFiles(mailingId);
    for (const a of attachments)
      if (!existsSync(a.path))
        throw new Error(
          `the attachment "${a.filename}" is missing on disk (the attachments folder of the data directory)`,
        );
    const dkim = await this.domains.keyFor(setup.from.address);
    if (dkim)
      try {
        createPrivateKey(dkim.privateKey);
      } catch (e) {
        throw new Error(
          `the DKIM key of ${dkim.domain} does not parse: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    const p: Prepared = {
      version: m.contentVersion,
      subject: compile(setup.subject, 'header'),
      html: compile(rendered.html, 'html'),
      text: compile(rendered.text, 'text'),
      setup,
      subscriptionTypeId: m.subscriptionTypeId,
      dkim,
      attachments,
    };
    this.prepared.set(mailingId, p);
    return p;
  }
}
