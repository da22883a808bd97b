import { PassThrough } from 'node:stream';
import { type Kysely, sql } from 'kysely';
import { composeLetter, type Letter, LetterPdf, letterText } from '../channels/document/index.js';
import {
  buildEmail,
  buildFastEmail,
  type DkimKey,
  fastPathAddresses,
  signMessage,
} from '../channels/email/index.js';
import { countSms, type SmsCount } from '../channels/sms/index.js';
import { type Clock, conflict, notFound } from '../core/index.js';
import { type RenderContext as MergeContext, type MergeData, mergeValues } from '../merge/index.js';
import type { RecipientsService } from '../recipients/index.js';
import type { Database } from '../storage/index.js';
import type { RecipientLinks, TrackingLinks } from '../tracking/index.js';
import {
  type Prepared,
  type PreparedDocument,
  type PreparedEmail,
  type PreparedSms,
  type PrepareSources,
  prepareMailing,
  type RevisionKey,
  type SenderCheck,
  sameKey,
} from './prepared.js';

/** One recipient of a message: who (their id in the mailing), where to, and their merge data. */
export interface RenderRecipient {
  /** The recipient's id in the mailing; 0 for a test send without a sample recipient. */
  id: number;
  /** Where the message goes: an e-mail address or a mobile number. */
  address: string;
  data: MergeData;
}

/** A message as the worker sends it: the complete MIME bytes and the envelope. */
export interface EmailSend {
  kind: 'send';
  /** A test send: `[TEST]` subject, `X-Posthorn-Test`, a token that counts and changes nothing. */
  test: boolean;
  /** Fixed per ledger row, so a resend after a crash carries the same one. */
  messageId: string;
  roundId: number;
  /** The Date header. */
  date: Date;
  /** "Today" of the merge language. */
  now: number;
}

/**
 * A message as a person reads it: `preview` is exactly what a test send to this recipient carries
 * (the recipient's test token: links work and count nothing), `viewOnline` is the online view of
 * a sent message (the visitor's own token, no open pixel, `isWebPage` on).
 */
export type EmailView = { kind: 'preview'; now: number } | { kind: 'viewOnline'; token: string; now: number };

export interface Mailbox {
  name: string;
  address: string;
}

export interface EmailMessage {
  raw: Buffer;
  /** The SMTP envelope sender: the VERP return path of this message. */
  envelopeFrom: string;
  subject: string;
}

/** The parts of a message a person sees (no per-send header: Date, Message-ID, DKIM, Feedback-ID). */
export interface EmailParts {
  subject: string;
  html: string;
  text: string;
  from: Mailbox;
  replyTo: Mailbox | null;
  /** List-Unsubscribe and List-Unsubscribe-Post when the mailing has a subscription type. */
  headers: Record<string, string>;
}

export interface SmsMessage {
  text: string;
  /** The mailing's sender; empty: the gateway's. */
  sender: string;
}

/** The message could not be built (a key, a file): the mailing's problem, not the recipient's. */
export class MessageNotBuiltError extends Error {
  override readonly name = 'MessageNotBuiltError';
}

export type Preview =
  | ({ channel: 'email' | 'formResponse'; recipientId: number } & EmailParts)
  | { channel: 'sms'; recipientId: number; text: string; count: SmsCount; sender: string }
  | { channel: 'document'; recipientId: number; text: string };

export interface RendererSources extends PrepareSources {
  recipients: Pick<RecipientsService, 'mergeDataMany'>;
}

/** Prepared mailings kept per process; the least recently prepared is dropped beyond this. */
const maxPrepared = 64;

/**
 * The only place a message is made (docs/decisions/0008): preview, test send, send, resend, view
 * online, SMS and documents all go through `prepare` (once per revision key of the mailing) and
 * `renderFor` (per recipient). The e-mail send path renders straight to bytes in reused scratch
 * buffers and writes MIME itself; a preview renders with the same programs, values and context,
 * into the same buffers, and decodes them — so preview bytes are sent bytes.
 */
export class Renderer {
  private readonly cache = new Map<number, { key: RevisionKey; prepared: Promise<Prepared> }>();
  /** Reused render buffers: rendering into them and copying out is synchronous, never interleaved. */
  private readonly scratch: { html: Buffer; text: Buffer } = {
    html: Buffer.allocUnsafe(64 * 1024),
    text: Buffer.allocUnsafe(32 * 1024),
  };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sources: RendererSources,
    readonly links: TrackingLinks,
    private readonly clock: Clock,
  ) {}

  /** The revision key of a mailing: one row, read from the database every time. */
  async revisionOf(mailingId: number): Promise<RevisionKey> {
    const r = await sql<{ revision: number; epoch: number }>`select m.revision as revision, e.n as epoch
      from mailings m, render_epoch e where m.id = ${mailingId} and e.id = 1`.execute(this.db);
    const row = r.rows[0];
    if (!row) throw notFound('MAILING_NOT_FOUND', `mailing ${mailingId} does not exist`);
    return { revision: Number(row.revision), epoch: Number(row.epoch) };
  }

  /**
   * The mailing compiled for its current revision key, read from the database now (one row): a
   * worker calls it once per batch and sees an edit made by any process. The key is read before
   * anything else, so what is cached under it is never older than it (an edit meanwhile raises
   * the key and is prepared again on the next call).
   */
  async prepare(mailingId: number): Promise<Prepared> {
    const key = await this.revisionOf(mailingId);
    const hit = this.cache.get(mailingId);
    if (hit && sameKey(hit.key, key)) return hit.prepared;
    const prepared = prepareMailing(this.sources, mailingId, key);
    const entry = { key, prepared };
    this.cache.delete(mailingId);
    this.cache.set(mailingId, entry);
    if (this.cache.size > maxPrepared) this.cache.delete(this.cache.keys().next().value as number);
    // a failure is not kept: the next call tries again (a file put back, a key repaired)
    prepared.catch(() => {
      if (this.cache.get(mailingId) === entry) this.cache.delete(mailingId);
    });
    return prepared;
  }

  /** Merge data of recipients of a mailing (the one mapper every channel and the preview use). */
  recipientData(mailingId: number, recipientIds: readonly number[]): Promise<Map<number, MergeData>> {
    return this.sources.recipients.mergeDataMany(mailingId, recipientIds);
  }

  /** Per recipient: the e-mail to send (MIME bytes, DKIM-signed), an e-mail to look at, an SMS, a letter. */
  renderFor(prepared: PreparedEmail, recipient: RenderRecipient, context: EmailSend): Promise<EmailMessage>;
  renderFor(prepared: PreparedEmail, recipient: RenderRecipient, context: EmailView): Promise<EmailParts>;
  renderFor(prepared: PreparedSms, recipient: RenderRecipient, context: { now: number }): SmsMessage;
  renderFor(prepared: PreparedDocument, recipient: RenderRecipient, context: { now: number }): Letter;
  renderFor(
    prepared: Prepared,
    recipient: RenderRecipient,
    context: EmailSend | EmailView | { now: number },
  ): Promise<EmailMessage> | Promise<EmailParts> | SmsMessage | Letter {
    if (prepared.channel === 'sms')
      return {
        // SMS is verbatim: nothing is escaped, and it carries no links
        text: prepared.text.render(mergeValues(recipient.data), { now: context.now }),
        sender: prepared.sender,
      };
    if (prepared.channel === 'document') {
      const values = mergeValues(recipient.data);
      const merged = {
        body: prepared.body.render(values, { now: context.now }),
        ourReference: prepared.ourReference.render(values, { now: context.now }),
      };
      return composeLetter(prepared.frame, recipient.data, merged, new Date(context.now));
    }
    if ('kind' in context && context.kind === 'send') return this.emailMessage(prepared, recipient, context);
    return this.emailParts(prepared, recipient, context as EmailView);
  }

  /**
   * The preview of one recipient: for e-mail exactly what a test send to them carries (apart
   * from the per-send headers and the `[TEST]` prefix); the SMS text with its parts; the letter.
   */
  async preview(mailingId: number, recipientId: number): Promise<Preview> {
    const prepared = await this.prepare(mailingId);
    const data = (await this.recipientData(mailingId, [recipientId])).get(recipientId);
    if (!data) throw notFound('RECIPIENT_NOT_FOUND', `mailing ${mailingId} has no recipient ${recipientId}`);
    const recipient = { id: recipientId, address: data.email ?? '', data };
    const now = this.clock.now();
    if (prepared.channel === 'sms') {
      const sms = this.renderFor(prepared, recipient, { now });
      return { channel: 'sms', recipientId, ...sms, count: countSms(sms.text) };
    }
    if (prepared.channel === 'document')
      return {
        channel: 'document',
        recipientId,
        text: letterText(this.renderFor(prepared, recipient, { now })),
      };
    const parts = await this.renderFor(prepared, recipient, { kind: 'preview', now });
    return { channel: prepared.channel, recipientId, ...parts };
  }

  /**
   * One letter of a document mailing as a PDF, for `recipientId`: the same render and the same PDF
   * writer as the round's PDF (preview = send), kept in memory (one letter is a few KB).
   */
  async previewPdf(mailingId: number, recipientId: number): Promise<Buffer> {
    const prepared = await this.prepare(mailingId);
    if (prepared.channel !== 'document')
      throw conflict(
        'NOT_A_DOCUMENT_MAILING',
        `mailing ${mailingId} is a ${prepared.channel} mailing; only document mailings have letters`,
      );
    const data = (await this.recipientData(mailingId, [recipientId])).get(recipientId);
    if (!data) throw notFound('RECIPIENT_NOT_FOUND', `mailing ${mailingId} has no recipient ${recipientId}`);
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const pdf = await LetterPdf.open(out, { title: prepared.name });
    pdf.add(
      this.renderFor(
        prepared,
        { id: recipientId, address: data.email ?? '', data },
        { now: this.clock.now() },
      ),
    );
    await pdf.end();
    return Buffer.concat(chunks);
  }

  /** View online: the message of a link token as its recipient got it; null when there is none. */
  async viewOnline(token: string): Promise<{ subject: string; html: string } | null> {
    const t = this.links.parseRecipientToken(token);
    if (!t) return null;
    try {
      const prepared = await this.prepare(t.mailingId);
      if (prepared.channel !== 'email' && prepared.channel !== 'formResponse') return null;
      const data = (await this.recipientData(t.mailingId, [t.recipientId])).get(t.recipientId);
      if (!data) return null;
      const parts = await this.renderFor(
        prepared,
        { id: t.recipientId, address: data.email ?? '', data },
        { kind: 'viewOnline', token, now: this.clock.now() },
      );
      return { subject: parts.subject, html: parts.html };
    } catch {
      // a mailing that was deleted or cannot be rendered has no online view
      return null;
    }
  }

  /** The From (the "our contact" rule applied) and the DKIM key that signs it. */
  private async sender(p: PreparedEmail, data: MergeData): Promise<{ from: Mailbox; dkim: DkimKey | null }> {
    const s = p.setup;
    const setupFrom = { from: { name: s.from.name, address: s.from.address }, dkim: p.dkim };
    if (s.from.rule !== 'ourContact') return setupFrom;
    // "our contact where specified" only when their address is on a validated sending domain
    // (then signed with that domain's key), otherwise the setup's name and address
    const contact = data.ourContact ?? data.company?.ourContact ?? null;
    if (!contact?.email) return setupFrom;
    const check = await this.contactSender(p, contact.email);
    return check.validated
      ? { from: { name: contact.name, address: contact.email }, dkim: check.key }
      : setupFrom;
  }

  private contactSender(p: PreparedEmail, address: string): Promise<SenderCheck> {
    const key = address.toLowerCase();
    let check = p.contactSenders.get(key);
    if (!check) {
      check = this.sources.domains.validatedSender(address);
      p.contactSenders.set(key, check);
      check.catch(() => p.contactSenders.delete(key));
    }
    return check;
  }

  /** Merge values with the special links of this message's token. */
  private values(data: MergeData, links: RecipientLinks): Record<string, string> {
    return mergeValues({
      ...data,
      links: {
        subscription: links.unsubscribe,
        manageSubscriptions: links.manageSubscriptions,
        viewOnline: links.viewOnline,
      },
    });
  }

  private listHeaders(p: PreparedEmail, links: RecipientLinks): Record<string, string> {
    if (p.subscriptionTypeId === null) return {};
    return {
      'List-Unsubscribe': links.listUnsubscribe,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
  }

  private replyTo(p: PreparedEmail): Mailbox | null {
    const r = p.setup.replyTo;
    return r.rule === 'own' ? { name: r.name, address: r.address } : null;
  }

  /**
   * The sending path. Per recipient: merge values, the signed token, the HTML and text rendered
   * straight to bytes and the MIME written by our writer and signer; messages with attachments or
   * non-ASCII addresses go through nodemailer's composer.
   */
  private async emailMessage(p: PreparedEmail, r: RenderRecipient, c: EmailSend): Promise<EmailMessage> {
    const links = this.links.forRecipient(p.mailingId, r.id, c.test);
    const { from, dkim } = await this.sender(p, r.data);
    const values = this.values(r.data, links);
    const context: MergeContext = { inEmailClient: true, linkPrefix: links.clickPrefix, now: c.now };
    const subject = `${c.test ? '[TEST] ' : ''}${p.subject.render(values, context)}`;
    const headers: Record<string, string> = { 'Feedback-ID': `${p.mailingId}:${c.roundId}:posthorn` };
    if (c.test) headers['X-Posthorn-Test'] = 'yes';
    Object.assign(headers, this.listHeaders(p, links));
    const replyTo = this.replyTo(p) ?? undefined;
    let raw: Buffer;
    try {
      if (p.attachments.length === 0 && fastPathAddresses(from.address, r.address, replyTo?.address ?? '')) {
        // synchronous from here to the built message: the scratch buffers are not shared meanwhile
        const html = p.html.renderBytes(values, context, this.scratch.html);
        this.scratch.html = html.buffer;
        const text = p.text.renderBytes(values, context, this.scratch.text);
        this.scratch.text = text.buffer;
        raw = buildFastEmail(
          {
            from,
            replyTo,
            to: r.address,
            subject,
            messageId: c.messageId,
            date: c.date,
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
          to: r.address,
          subject,
          html: p.html.render(values, context),
          text: p.text.render(values, context),
          messageId: c.messageId,
          date: c.date,
          headers,
          attachments: p.attachments,
        });
        raw = dkim ? await signMessage(built, dkim) : built;
      }
    } catch (e) {
      throw new MessageNotBuiltError(
        `${dkim ? `building or DKIM-signing (${dkim.domain}) failed` : 'building failed'}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    return { raw, envelopeFrom: this.links.returnPath(p.mailingId, r.id, c.test), subject };
  }

  /**
   * What a person sees. The preview renders with the same programs, values and context as the
   * send of a test message to this recipient, into the same scratch buffers (decoded right away).
   */
  private async emailParts(p: PreparedEmail, r: RenderRecipient, c: EmailView): Promise<EmailParts> {
    const links =
      c.kind === 'preview' ? this.links.forRecipient(p.mailingId, r.id, true) : this.links.ofToken(c.token);
    const { from } = await this.sender(p, r.data);
    const values = this.values(r.data, links);
    const context: MergeContext =
      c.kind === 'preview'
        ? { inEmailClient: true, linkPrefix: links.clickPrefix, now: c.now }
        : {
            isWebPage: true,
            now: c.now,
            // on the online view the pixel is not loaded (a view is not an open); links count
            linkUrl: (n) => (n === 0 ? '' : `${links.clickPrefix}${n}`),
          };
    const html = p.html.renderBytes(values, context, this.scratch.html);
    this.scratch.html = html.buffer;
    const htmlText = html.buffer.toString('utf8', 0, html.length);
    const text = p.text.renderBytes(values, context, this.scratch.text);
    this.scratch.text = text.buffer;
    return {
      subject: p.subject.render(values, context),
      html: htmlText,
      text: text.buffer.toString('utf8', 0, text.length),
      from,
      replyTo: this.replyTo(p),
      headers: this.listHeaders(p, links),
    };
  }
}
