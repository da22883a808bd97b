import net from 'node:net';
import nodemailer from 'nodemailer';
import { redactUrl } from '../../core/index.js';
import type { OutboxService } from '../outbox/index.js';

/**
 * A message not delivered: `code` names the failure (the SMTP reply code as text, a nodemailer or
 * socket code, `HTTP_429`, `SMPP_THROTTLED`, `RECIPIENT_GONE` …); `retryable` says whether it may
 * be tried again. `responseCode` is the number the relay or gateway answered (SMTP reply code, HTTP
 * status, SMPP command status) and `enhancedStatus` the SMTP enhanced status code (RFC 3463,
 * `5.1.1`); both are absent when no reply was received (a connection failure, our own refusal).
 */
export interface DeliveryFailure {
  ok: false;
  code: string;
  retryable: boolean;
  responseCode?: number | undefined;
  enhancedStatus?: string | undefined;
  message: string;
}

/** What a relay said about one message: accepted, or refused (temporarily or for good). */
export type Delivery = { ok: true; response: string } | DeliveryFailure;

/**
 * The reply code and enhanced status code at the start of an SMTP reply (`550 5.1.1 no such
 * user`, `452-4.2.2 …`); `responseCode` (nodemailer's own parse) wins when given.
 */
export function parseSmtpReply(
  reply: string,
  responseCode?: number,
): { responseCode?: number; enhancedStatus?: string } {
  const m = /^\s*([2-5]\d\d)(?:[ -]([2-5]\.\d{1,3}\.\d{1,3})\b)?/.exec(reply);
  const code = responseCode ?? (m ? Number(m[1]) : undefined);
  const out: { responseCode?: number; enhancedStatus?: string } = {};
  if (code !== undefined) out.responseCode = code;
  if (m?.[2]) out.enhancedStatus = m[2];
  return out;
}

/**
 * A refusal from an SMTP reply: a 4xx is retryable, a 5xx is not (RFC 5321 §4.2.1); `code` is
 * the reply code.
 */
export function smtpRefusal(reply: string, responseCode?: number): DeliveryFailure {
  const parsed = parseSmtpReply(reply, responseCode);
  const rc = parsed.responseCode ?? 550;
  return { ok: false, code: String(rc), retryable: rc < 500, ...parsed, responseCode: rc, message: reply };
}

/**
 * A failure that is a hard bounce: the relay refused the recipient for good with a 5xx reply. A
 * failure of the relay account (its login, TLS, connection) is never one, whatever it answered.
 */
export function isHardBounce(d: DeliveryFailure): boolean {
  return (
    d.responseCode !== undefined && d.responseCode >= 500 && d.responseCode < 600 && !isAccountFault(d.code)
  );
}

export interface OutgoingMessage {
  ledgerId: number | null;
  mailingId: number | null;
  /** SMTP envelope: the VERP return path and the recipient. */
  from: string;
  to: string;
  subject: string;
  raw: Buffer;
  test: boolean;
}

/** nodemailer's error codes that are about the relay account, not about one recipient. */
const accountErrors = new Set([
  'EAUTH',
  'ENOAUTH',
  'ETLS',
  'ESOCKET',
  'ECONNECTION',
  'ETIMEDOUT',
  'EDNS',
  'EPROTOCOL',
]);

/** Errors of a socket that never connected (from our own `getSocket`). */
const socketErrors = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** A failure of the relay account itself (login, TLS, connection), not of one recipient. */
export function isAccountFault(code: string): boolean {
  return accountErrors.has(code) || socketErrors.has(code);
}

/** An outbound e-mail route: an SMTP relay, the dev outbox, or a router over several accounts. */
export interface EmailTransport {
  readonly name: string;
  /** Messages it can have in flight at once (its connections), once `ready` has resolved. */
  readonly concurrency?: number | undefined;
  /** Called before each batch (a router reads its accounts). */
  ready?(): Promise<void>;
  send(message: OutgoingMessage): Promise<Delivery>;
  close(): Promise<void>;
}

/** Captures every message in the dev outbox (`GET /api/v1/outbox`) when no relay is configured. */
export class DevOutboxTransport implements EmailTransport {
  readonly name = 'dev-outbox';
  constructor(private readonly outbox: Pick<OutboxService, 'captureEmail'>) {}

  async send(m: OutgoingMessage): Promise<Delivery> {
    await this.outbox.captureEmail(m);
    return { ok: true, response: '250 stored in the dev outbox' };
  }

  async close(): Promise<void> {}
}

/**
 * An SMTP relay through nodemailer's pooled transport; messages are sent pre-built (`raw`), so
 * nodemailer only speaks SMTP. A refusal keeps its SMTP code; 4xx and connection failures are
 * retryable, 5xx are not.
 */
export class SmtpTransport implements EmailTransport {
  readonly name: string;
  private transport: nodemailer.Transporter;
  private readonly create: () => nodemailer.Transporter;

  constructor(url: string, options: { poolSize: number; name?: string }) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      // URL's own error carries the whole input (password included) in a property loggers print
      throw new Error(`not an SMTP URL: ${redactUrl(url)}`);
    }
    this.name = options.name ?? u.host;
    this.create = () => this.pool(u, options.poolSize);
    this.transport = this.create();
  }

  private pool(u: URL, poolSize: number): nodemailer.Transporter {
    return nodemailer.createTransport({
      pool: true,
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 587)),
      secure: u.protocol === 'smtps:',
      ignoreTLS: u.searchParams.get('tls') === 'none',
      requireTLS: u.searchParams.get('tls') === 'required',
      maxConnections: poolSize,
      maxMessages: Number.POSITIVE_INFINITY,
      ...(u.username
        ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
        : {}),
      // Nagle's algorithm against the relay's delayed ACK costs ~40 ms per message (the end of
      // DATA waits for an ACK): a socket with TCP_NODELAY sends 14× faster. STARTTLS still
      // upgrades this socket; implicit TLS (smtps:) keeps nodemailer's own.
      ...(u.protocol === 'smtps:'
        ? {}
        : {
            getSocket: (
              opts: { host?: string; port?: number },
              cb: (err: Error | null, socket?: { connection: net.Socket }) => void,
            ) => {
              const onError = (err: Error) => cb(err);
              const socket = net.connect({ host: opts.host ?? u.hostname, port: opts.port ?? 25 }, () => {
                socket.removeListener('error', onError);
                cb(null, { connection: socket });
              });
              socket.setNoDelay(true);
              socket.once('error', onError);
              // a relay that accepts no connection within 30 s counts as down
              socket.setTimeout(30_000, () => {
                if (!socket.connecting) return;
                socket.destroy(Object.assign(new Error(`connect timeout ${u.host}`), { code: 'ETIMEDOUT' }));
              });
              socket.once('connect', () => socket.setTimeout(0));
            },
          }),
    } as nodemailer.TransportOptions);
  }

  async send(m: OutgoingMessage): Promise<Delivery> {
    try {
      const info = await this.transport.sendMail({ envelope: { from: m.from, to: [m.to] }, raw: m.raw });
      if (info.rejected.length > 0) return { ...smtpRefusal(String(info.response)), retryable: false };
      return { ok: true, response: String(info.response) };
    } catch (e) {
      const err = e as { responseCode?: number; response?: string; message?: string; code?: string };
      const message = err.response ?? err.message ?? String(e);
      const reply = err.response !== undefined ? parseSmtpReply(err.response, err.responseCode) : {};
      if (err.responseCode === undefined && err.code && socketErrors.has(err.code)) {
        // nodemailer's pool keeps a resource whose socket never connected and stops sending:
        // start a fresh pool (what the old one still holds fails as retryable)
        const old = this.transport;
        this.transport = this.create();
        old.close();
        return { ok: false, retryable: true, code: err.code, message: `${this.name}: ${message}` };
      }
      // the account's problem (login, TLS, connection), not the recipient's: never a bounce,
      // tried again later (and the mailing pauses itself when it keeps failing)
      if (err.code && accountErrors.has(err.code))
        return { ok: false, retryable: true, code: err.code, ...reply, message: `${this.name}: ${message}` };
      if (reply.responseCode !== undefined) return smtpRefusal(message, reply.responseCode);
      // no reply at all: the connection failed, try again later
      return { ok: false, retryable: true, code: err.code ?? 'ECONNECTION', message };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
