import type { Clock } from '../core/index.js';

/** A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token; returns 0, or how many ms until one is there (nothing taken then). */
  take(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }
}

export interface ThrottleLimits {
  /** Messages per second through the outbound account (the relay); unset: no limit. */
  accountPerSecond?: number | undefined;
  /** Messages per second per sending domain (the From domain). */
  sendingDomainPerSecond?: number | undefined;
  /** Messages per second per destination domain, by domain (e.g. `{ "gmail.com": 50 }`), and `*` for any other. */
  destinationPerSecond?: Record<string, number> | undefined;
  /** First back-off when a destination answers 4xx or drops the connection; doubles up to `backoffMaxMs`. */
  backoffBaseMs?: number | undefined;
  backoffMaxMs?: number | undefined;
}

/**
 * Throughput control in one place (PRODUCT.md §9): token buckets per outbound account, sending
 * domain and destination domain, and a back-off per destination domain after a temporary refusal
 * (421/4xx) or a dropped connection — only that domain slows down; a delivery ends its back-off.
 * Limits hold per worker process.
 */
export class Throttle {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly backoff = new Map<string, { until: number; delayMs: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: ThrottleLimits = {},
  ) {}

  /** When the destination domain may be tried again, or null when it is not backing off. */
  backingOffUntil(destination: string): number | null {
    const b = this.backoff.get(destination);
    return b && b.until > this.clock.now() ? b.until : null;
  }

  /** Ms to wait before sending from `sendingDomain` to `destination` (0: go; the tokens are taken). */
  reserve(sendingDomain: string, destination: string): number {
    const now = this.clock.now();
    const wanted: Array<[string, number | undefined]> = [
      ['account', this.limits.accountPerSecond],
      [`from:${sendingDomain}`, this.limits.sendingDomainPerSecond],
      [
        `to:${destination}`,
        this.limits.destinationPerSecond?.[destination] ?? this.limits.destinationPerSecond?.['*'],
      ],
    ];
    let wait = 0;
    for (const [key, rate] of wanted) wait = Math.max(wait, this.take(key, rate, now));
    return wait;
  }

  /** Ms to wait before the next message through one named route (an SMS gateway) at `rate` per second. */
  reserveRoute(route: string, rate: number | null | undefined): number {
    return this.take(`route:${route}`, rate ?? undefined, this.clock.now());
  }

  private take(key: string, rate: number | undefined, now: number): number {
    if (!rate) return 0;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(rate, Math.max(1, rate), now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  /** Learns from a delivery: a temporary refusal backs the destination off, an acceptance resets it. */
  report(destination: string, accepted: boolean, temporary: boolean): void {
    if (accepted) {
      this.backoff.delete(destination);
      return;
    }
    if (!temporary) return;
    const base = this.limits.backoffBaseMs ?? 60_000;
    const max = this.limits.backoffMaxMs ?? 3_600_000;
    const previous = this.backoff.get(destination);
    const delayMs = previous ? Math.min(max, previous.delayMs * 2) : base;
    this.backoff.set(destination, { until: this.clock.now() + delayMs, delayMs });
  }
}
