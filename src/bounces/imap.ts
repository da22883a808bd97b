import { redactUrl } from '../core/index.js';
import type { BouncesService } from './bounces.service.js';
import { parseBounce } from './parse.js';

export interface ImapPollResult {
  read: number;
  matched: number;
  unmatched: number;
}

/**
 * Polls a bounce mailbox over IMAP (imapflow), for relays that return bounces to a mailbox of
 * their own instead of our VERP address. Each unseen message is parsed and recorded; only then
 * is it moved to the folder `Processed` (created when missing), so a crash reads it again rather
 * than losing it (recording is safe to repeat: the effects of a bounce are idempotent).
 */
export class ImapPoller {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly bounces: BouncesService,
    private readonly url: string,
    private readonly options: { maxBytes: number; processedFolder?: string },
  ) {}

  async pollOnce(): Promise<ImapPollResult> {
    let u: URL;
    try {
      u = new URL(this.url);
    } catch {
      // URL's own error carries the whole input (password included) in a property loggers print
      throw new Error(`not an IMAP URL: ${redactUrl(this.url)}`);
    }
    const { ImapFlow } = await import('imapflow');
    const client = new ImapFlow({
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'imaps:' ? 993 : 143)),
      secure: u.protocol === 'imaps:',
      auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) },
      logger: false,
    });
    const mailbox = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX';
    const processed = this.options.processedFolder ?? 'Processed';
    const result: ImapPollResult = { read: 0, matched: 0, unmatched: 0 };
    await client.connect();
    try {
      const lock = await client.getMailboxLock(mailbox);
      try {
        const found = await client.search({ seen: false }, { uid: true });
        const uids = Array.isArray(found) ? found : [];
        const done: number[] = [];
        for (const uid of uids) {
          const msg = await client.fetchOne(String(uid), { source: true, size: true }, { uid: true });
          if (msg === false || !msg.source) continue;
          result.read += 1;
          if ((msg.size ?? msg.source.length) > this.options.maxBytes) {
            await this.bounces.recordUnreadable(`message larger than ${this.options.maxBytes} bytes`, 'imap');
            result.unmatched += 1;
          } else {
            const parsed = await parseBounce(msg.source);
            if (!parsed.ok) {
              await this.bounces.recordUnreadable(parsed.reason, 'imap');
              result.unmatched += 1;
            } else {
              const r = await this.bounces.ingest(parsed.report, 'imap');
              if (r.matched) result.matched += 1;
              else result.unmatched += 1;
            }
          }
          done.push(uid);
        }
        if (done.length > 0) {
          const set = done.join(',');
          await client.messageFlagsAdd(set, ['\\Seen'], { uid: true });
          try {
            await client.mailboxCreate(processed);
          } catch {
            // it exists
          }
          await client.messageMove(set, processed, { uid: true });
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => undefined);
    }
    return result;
  }

  /** Polls every `intervalMs`; a failed poll is reported and tried again at the next interval. */
  start(intervalMs: number, onError: (e: unknown) => void): void {
    const tick = () => {
      if (this.running) return;
      this.running = this.pollOnce()
        .catch(onError)
        .finally(() => {
          this.running = null;
        });
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }
}
