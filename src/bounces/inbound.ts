import type { AddressInfo } from 'node:net';
import type { SMTPServerDataStream, SMTPServer as SmtpServerType } from 'smtp-server';
import type { TrackingService } from '../tracking/index.js';
import type { BouncesService } from './bounces.service.js';
import { parseBounce } from './parse.js';

export interface InboundOptions {
  host: string;
  port: number;
  /** The domain of our VERP return paths (`bounces+<token>@…`) and unsubscribe mailtos. */
  bounceDomain: string;
  /** Largest message accepted (bounces quote the original; 10 MiB by default). */
  maxBytes: number;
  /** Connections per client IP per minute. */
  connectionsPerMinute: number;
}

export interface InboundResult {
  token: string;
  kind: 'bounce' | 'unsubscribe';
  outcome: string;
}

function smtpError(code: number, message: string): Error {
  const e = new Error(message) as Error & { responseCode: number };
  e.responseCode = code;
  return e;
}

/**
 * Posthorn's own inbound SMTP receiver (PRODUCT.md §11, §15.8): bounce capture without a third-
 * party provider. It accepts mail only for our VERP addresses (`bounces+<signed token>@domain`)
 * and one-click mailto unsubscribes (`unsubscribe+<link token>@domain`): every other recipient is
 * refused at RCPT TO, so it can never relay. Messages over the size limit are refused, and a
 * client connecting too often is told to come back later.
 */
export class InboundSmtp {
  private server: SmtpServerType | null = null;
  private readonly connections = new Map<string, number[]>();
  /** What each accepted message did (tests and the log read it). */
  readonly results: InboundResult[] = [];

  constructor(
    private readonly bounces: BouncesService,
    private readonly tracking: TrackingService,
    private readonly options: InboundOptions,
  ) {}

  /** Which of ours an address is, or null. */
  private ours(address: string): { kind: 'bounce' | 'unsubscribe'; token: string } | null {
    const m = /^(bounces|unsubscribe)\+([A-Za-z0-9_-]{1,100}\.[A-Za-z0-9_-]{10,40})@(.+)$/i.exec(address);
    if (!m || (m[3] as string).toLowerCase() !== this.options.bounceDomain.toLowerCase()) return null;
    const kind = (m[1] as string).toLowerCase() === 'bounces' ? 'bounce' : 'unsubscribe';
    const token = m[2] as string;
    // the mailto of List-Unsubscribe carries the link token (unsubscribing is what its links do).
    // A bounce address is accepted with the return-path token, and with a link token too: the
    // return path of messages sent before the return-path token existed, whose bounces may still
    // match by Message-ID, and forgeries, which are then kept as unmatched with the reason.
    const genuine =
      kind === 'unsubscribe'
        ? this.tracking.recipientToken(token)
        : (this.bounces.returnPathToken(token) ?? this.tracking.recipientToken(token));
    return genuine ? { kind, token } : null;
  }

  async start(): Promise<number> {
    const { SMTPServer } = await import('smtp-server');
    const o = this.options;
    this.server = new SMTPServer({
      name: o.bounceDomain,
      banner: 'Posthorn bounce receiver',
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: o.maxBytes,
      logger: false,
      maxClients: 50,
      socketTimeout: 60_000,
      onConnect: (session, cb) => {
        const now = Date.now();
        const ip = session.remoteAddress;
        const recent = (this.connections.get(ip) ?? []).filter((t) => now - t < 60_000);
        recent.push(now);
        this.connections.set(ip, recent);
        if (recent.length > o.connectionsPerMinute) {
          cb(smtpError(421, '4.7.0 too many connections from your address; try again later'));
          return;
        }
        cb();
      },
      onRcptTo: (address, _session, cb) => {
        if (!this.ours(address.address)) {
          cb(
            smtpError(550, '5.1.1 no such recipient: this server accepts only bounces to its own addresses'),
          );
          return;
        }
        cb();
      },
      onData: (stream: SMTPServerDataStream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => {
          // past the limit nothing more is kept; smtp-server marks sizeExceeded
          if (!stream.sizeExceeded) chunks.push(c);
        });
        stream.on('end', () => {
          if (stream.sizeExceeded) {
            cb(smtpError(552, `5.3.4 message larger than ${o.maxBytes} bytes`));
            return;
          }
          const targets = session.envelope.rcptTo
            .map((r) => this.ours(r.address))
            .filter((t): t is NonNullable<typeof t> => t !== null);
          void this.handle(Buffer.concat(chunks), targets).then(
            () => cb(),
            (e: unknown) =>
              cb(
                smtpError(
                  451,
                  `4.3.0 could not store the message: ${e instanceof Error ? e.message : String(e)}`,
                ),
              ),
          );
        });
      },
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => resolve());
    });
    return (server.server.address() as AddressInfo).port;
  }

  /** Accepted only after the effects are stored: a failure answers 451 and the sender retries. */
  private async handle(
    raw: Buffer,
    targets: Array<{ kind: 'bounce' | 'unsubscribe'; token: string }>,
  ): Promise<void> {
    for (const t of targets) {
      if (t.kind === 'unsubscribe') {
        const r = await this.tracking.unsubscribe(t.token, 'mailto');
        this.results.push({
          token: t.token,
          kind: t.kind,
          outcome: r.ok ? 'unsubscribed' : 'unknown recipient',
        });
        continue;
      }
      const parsed = await parseBounce(raw);
      if (!parsed.ok) {
        const outcome = await this.bounces.recordUnreadable(parsed.reason, 'smtp', t.token);
        this.results.push({ token: t.token, kind: t.kind, outcome });
        continue;
      }
      const r = await this.bounces.ingest(parsed.report, 'smtp', [t.token]);
      this.results.push({ token: t.token, kind: t.kind, outcome: r.note });
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((r) => s.close(() => r()));
    this.server = null;
  }
}
