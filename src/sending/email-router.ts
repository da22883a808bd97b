import type { OpenEmailAccount } from '../channels/email/accounts.service.js';
import {
  type Delivery,
  type EmailTransport,
  isAccountFault,
  type OutgoingMessage,
  SmtpTransport,
} from '../channels/email/transport.js';
import type { Clock } from '../core/index.js';
import { pickByWeight } from './batch.js';
import { TokenBucket } from './throttle.js';

interface Route {
  account: OpenEmailAccount;
  transport: SmtpTransport;
  buckets: TokenBucket[];
  downUntil: number;
}

/**
 * The e-mail accounts of the settings as one transport (PRODUCT.md §9: "several with weights"):
 * each message picks an account by weight among those not resting, waits for the account's
 * per-second/minute/hour buckets, and when the account itself fails (login, TLS, connection)
 * the account rests for a minute and the message tries the next one. With no active account the
 * fallback (the `POSTHORN_SMTP_URL` relay, or the dev outbox) carries everything.
 */
export class EmailRouter implements EmailTransport {
  readonly name: string;
  private routes: Route[] = [];
  private loadedAt = Number.NEGATIVE_INFINITY;
  private signature = '';

  constructor(
    private readonly source: { open(): Promise<OpenEmailAccount[]> },
    private readonly fallback: EmailTransport,
    private readonly clock: Clock,
    private readonly options: { reloadMs?: number; restMs?: number } = {},
  ) {
    this.name = `accounts (else ${fallback.name})`;
  }

  get concurrency(): number {
    return this.routes.length === 0
      ? (this.fallback.concurrency ?? 0)
      : this.routes.reduce((a, r) => a + r.account.poolSize, 0);
  }

  /** Reads the active accounts again when they are older than `reloadMs` (default a minute). */
  async ready(): Promise<void> {
    const now = this.clock.now();
    if (now - this.loadedAt < (this.options.reloadMs ?? 60_000)) return;
    this.loadedAt = now;
    const accounts = await this.source.open();
    const signature = JSON.stringify(accounts);
    if (signature === this.signature) return;
    const old = this.routes;
    this.signature = signature;
    this.routes = accounts.map((account) => ({
      account,
      transport: new SmtpTransport(account.url, { poolSize: account.poolSize, name: account.name }),
      buckets: [
        [account.perSecond, 1],
        [account.perMinute, 60],
        [account.perHour, 3600],
      ]
        .filter(([rate]) => rate)
        .map(
          ([rate, seconds]) => new TokenBucket((rate as number) / (seconds as number), rate as number, now),
        ),
      downUntil: 0,
    }));
    await Promise.all(old.map((r) => r.transport.close()));
  }

  async send(m: OutgoingMessage): Promise<Delivery> {
    await this.ready();
    if (this.routes.length === 0) return this.fallback.send(m);
    const tried = new Set<Route>();
    let last: Delivery | null = null;
    while (tried.size < this.routes.length) {
      const route = this.pick(tried);
      tried.add(route);
      for (;;) {
        const now = this.clock.now();
        const wait = Math.max(0, ...route.buckets.map((b) => b.take(now)));
        if (wait === 0) break;
        await new Promise((r) => setTimeout(r, wait));
      }
      const d = await route.transport.send(m);
      if (d.ok || !d.retryable || !isAccountFault(d.code)) return d;
      route.downUntil = this.clock.now() + (this.options.restMs ?? 60_000);
      last = d;
    }
    return last as Delivery;
  }

  async close(): Promise<void> {
    await Promise.all([...this.routes.map((r) => r.transport.close()), this.fallback.close()]);
    this.routes = [];
    this.signature = '';
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  /** By weight among the accounts not tried and not resting (resting ones when nothing else is left). */
  private pick(tried: Set<Route>): Route {
    const now = this.clock.now();
    const open = this.routes.filter((r) => !tried.has(r));
    const up = open.filter((r) => r.downUntil <= now);
    return pickByWeight(up.length > 0 ? up : open, (r) => r.account.weight);
  }
}
