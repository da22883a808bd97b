import smpp, { type Pdu, type Session } from 'smpp';
import { encodeSms } from './encoding.js';
import type { DeliveryReceipt, OutgoingSms, SmsDelivery, SmsGateway } from './gateway.js';

export interface SmppOptions {
  name: string;
  host: string;
  port: number;
  tls?: boolean | undefined;
  systemId: string;
  password: string;
  systemType?: string | undefined;
  /** Outstanding `submit_sm` requests at once. */
  window?: number | undefined;
  /** `enquire_link` keep-alive period. */
  enquireLinkMs?: number | undefined;
  /** A bind or submit without an answer in this time counts as a dead connection. */
  responseTimeoutMs?: number | undefined;
  /** After a failed bind, wait this long before binding again. */
  reconnectMs?: number | undefined;
}

const statusNames = new Map(Object.entries(smpp.errors).map(([name, code]) => [code, name]));
const statusName = (code: number) => statusNames.get(code) ?? `0x${code.toString(16).padStart(8, '0')}`;
/** Statuses that mean "not now" rather than "never": the message is tried again later. */
// ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RSYSERR (SMPP 3.4 §5.1.3)
const temporary = new Set([0x58, 0x14, 0x08]);
const failedStates = new Set(['UNDELIV', 'EXPIRED', 'REJECTD', 'DELETED', 'UNKNOWN']);

class SmppFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An SMPP 3.4 gateway account: binds as transceiver on first use (and again after a drop),
 * keeps the link alive with `enquire_link`, keeps at most `window` submits outstanding, splits
 * long messages with a UDH concatenation header in the right `data_coding` (0 GSM-7, 8 UCS-2),
 * and turns `deliver_sm` receipts into delivered/failed per part. A connection that stops
 * answering is dropped; what was outstanding on it fails as retryable.
 */
export class SmppGateway implements SmsGateway {
  readonly name: string;
  private bound: Promise<Session> | null = null;
  private session: Session | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private retryAt = 0;
  private lastBindError: SmppFailure | null = null;
  private readonly pending = new Set<(e: SmppFailure) => void>();
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly listeners: Array<(r: DeliveryReceipt) => void> = [];
  private reference = Math.floor(Math.random() * 256);
  private readonly o: { [K in keyof SmppOptions]-?: NonNullable<SmppOptions[K]> };

  constructor(options: SmppOptions) {
    this.name = options.name;
    this.o = {
      name: options.name,
      host: options.host,
      port: options.port,
      systemId: options.systemId,
      password: options.password,
      tls: options.tls ?? false,
      systemType: options.systemType ?? '',
      window: options.window ?? 10,
      enquireLinkMs: options.enquireLinkMs ?? 30_000,
      responseTimeoutMs: options.responseTimeoutMs ?? 10_000,
      reconnectMs: options.reconnectMs ?? 5_000,
    };
  }

  onReceipt(listener: (r: DeliveryReceipt) => void): void {
    this.listeners.push(listener);
  }

  async send(sms: OutgoingSms): Promise<SmsDelivery> {
    let session: Session;
    try {
      session = await this.bind();
    } catch (e) {
      const f = e instanceof SmppFailure ? e : new SmppFailure('SMPP_CONNECTION', String(e));
      return { ok: false, retryable: true, code: f.code, message: f.message };
    }
    const { encoding, parts } = encodeSms(sms.text, this.reference++);
    const alphanumeric = !/^\+?[0-9]+$/.test(sms.from);
    const ids: string[] = [];
    for (const [i, part] of parts.entries()) {
      await this.acquire();
      let pdu: Pdu;
      try {
        pdu = await this.request(session, (cb) =>
          session.submit_sm(
            {
              source_addr_ton: alphanumeric ? 5 : 1,
              source_addr_npi: alphanumeric ? 0 : 1,
              source_addr: sms.from.replace(/^\+/, ''),
              dest_addr_ton: 1,
              dest_addr_npi: 1,
              destination_addr: sms.to.replace(/^\+/, ''),
              esm_class: part.udh ? 0x40 : 0,
              registered_delivery: sms.receipts ? 1 : 0,
              data_coding: encoding === 'GSM-7' ? 0 : 8,
              short_message: part.udh ? Buffer.concat([part.udh, part.payload]) : part.payload,
            },
            cb,
          ),
        );
      } catch (e) {
        const f = e as SmppFailure;
        return i === 0
          ? { ok: false, retryable: true, code: f.code, message: f.message }
          : partial(i, parts.length, f.message);
      } finally {
        this.release();
      }
      if (pdu.command_status !== 0) {
        const name = statusName(pdu.command_status);
        if (i > 0) return partial(i, parts.length, name);
        return {
          ok: false,
          retryable: temporary.has(pdu.command_status),
          code: `SMPP_${name.replace(/^ESME_/, '')}`,
          responseCode: pdu.command_status,
          message: `the gateway refused the message: ${name}`,
        };
      }
      ids.push(String(pdu.message_id ?? ''));
    }
    return { ok: true, response: `accepted as ${ids.join(', ')}`, providerIds: ids };
  }

  async close(): Promise<void> {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
    const s = this.session;
    this.session = null;
    this.bound = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      const done = setTimeout(() => s.destroy(() => resolve()), 1000);
      s.unbind({}, () => {
        clearTimeout(done);
        s.close(() => resolve());
      });
    });
  }

  private bind(): Promise<Session> {
    if (this.bound) return this.bound;
    if (Date.now() < this.retryAt && this.lastBindError) return Promise.reject(this.lastBindError);
    const attempt = new Promise<Session>((resolve, reject) => {
      let settled = false;
      const session = smpp.connect({ host: this.o.host, port: this.o.port, tls: this.o.tls });
      const fail = (f: SmppFailure) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.bound = null;
        this.lastBindError = f;
        this.retryAt = Date.now() + this.o.reconnectMs;
        session.destroy();
        reject(f);
      };
      const timer = setTimeout(
        () =>
          fail(new SmppFailure('SMPP_TIMEOUT', `no answer to bind within ${this.o.responseTimeoutMs} ms`)),
        this.o.responseTimeoutMs,
      );
      session.on('error', (e: Error) => {
        fail(new SmppFailure('SMPP_CONNECTION', `${this.o.host}:${this.o.port}: ${e.message}`));
        this.drop(session, e.message);
      });
      session.on('close', () => {
        fail(new SmppFailure('SMPP_CONNECTION', 'the gateway closed the connection'));
        this.drop(session, 'the gateway closed the connection');
      });
      session.on(this.o.tls ? 'secureConnect' : 'connect', () => {
        session.bind_transceiver(
          {
            system_id: this.o.systemId,
            password: this.o.password,
            system_type: this.o.systemType,
            interface_version: 0x34,
          },
          (pdu) => {
            if (pdu.command_status !== 0) {
              fail(new SmppFailure('SMPP_BIND_FAILED', `bind refused: ${statusName(pdu.command_status)}`));
              return;
            }
            settled = true;
            clearTimeout(timer);
            this.session = session;
            this.lastBindError = null;
            this.keepAlive = setInterval(() => {
              void this.request(session, (cb) => session.enquire_link({}, cb)).catch(() => undefined);
            }, this.o.enquireLinkMs);
            this.keepAlive.unref();
            resolve(session);
          },
        );
      });
      session.on('enquire_link', (pdu: Pdu) => session.send(pdu.response()));
      session.on('unbind', (pdu: Pdu) => {
        session.send(pdu.response());
        session.close();
      });
      session.on('deliver_sm', (pdu: Pdu) => {
        session.send(pdu.response());
        const r = parseReceipt(this.name, pdu);
        if (r) for (const l of this.listeners) l(r);
      });
    });
    this.bound = attempt;
    return attempt;
  }

  /** The connection is gone: outstanding requests fail (retryable) and the next send binds again. */
  private drop(session: Session, why: string): void {
    if (this.session === session) {
      this.session = null;
      this.bound = null;
      if (this.keepAlive) clearInterval(this.keepAlive);
      this.keepAlive = null;
    }
    for (const reject of [...this.pending]) reject(new SmppFailure('SMPP_CONNECTION', why));
  }

  /** One request with its answer, or a failure when the connection drops or stays silent. */
  private request(session: Session, issue: (cb: (pdu: Pdu) => void) => boolean): Promise<Pdu> {
    return new Promise<Pdu>((resolve, reject) => {
      const abort = (f: SmppFailure) => {
        clearTimeout(timer);
        this.pending.delete(abort);
        reject(f);
      };
      const timer = setTimeout(() => {
        abort(new SmppFailure('SMPP_TIMEOUT', `no answer within ${this.o.responseTimeoutMs} ms`));
        session.destroy();
        this.drop(session, `the gateway did not answer within ${this.o.responseTimeoutMs} ms`);
      }, this.o.responseTimeoutMs);
      this.pending.add(abort);
      const written = issue((pdu) => {
        clearTimeout(timer);
        this.pending.delete(abort);
        resolve(pdu);
      });
      if (!written) abort(new SmppFailure('SMPP_CONNECTION', 'the connection is not writable'));
    });
  }

  private async acquire(): Promise<void> {
    while (this.inFlight >= this.o.window) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight += 1;
  }

  private release(): void {
    this.inFlight -= 1;
    this.waiters.shift()?.();
  }
}

function partial(sent: number, total: number, why: string): SmsDelivery {
  // earlier parts reached the gateway: sending again would repeat them, so this ends as failed
  return {
    ok: false,
    retryable: false,
    code: 'SMPP_PARTIAL',
    message: `${sent} of ${total} parts were accepted, then: ${why}`,
  };
}

/** A `deliver_sm` that is a delivery receipt (esm_class bit 2): its message id and final state. */
export function parseReceipt(gateway: string, pdu: Pdu): DeliveryReceipt | null {
  if ((Number(pdu.esm_class ?? 0) & 0x04) === 0) return null;
  const sm = pdu.short_message as { message?: unknown } | Buffer | string | undefined;
  const text =
    typeof sm === 'string' ? sm : Buffer.isBuffer(sm) ? sm.toString('latin1') : String(sm?.message ?? '');
  const id = String(pdu.receipted_message_id ?? /\bid:(\S+)/i.exec(text)?.[1] ?? '').replace(/\0+$/, '');
  const stat = /\bstat:(\w+)/i.exec(text)?.[1]?.toUpperCase() ?? '';
  const err = /\berr:(\w+)/i.exec(text)?.[1] ?? '';
  if (!id) return null;
  if (stat === 'DELIVRD') return { gateway, providerId: id, state: 'delivered', error: null };
  if (failedStates.has(stat))
    return { gateway, providerId: id, state: 'failed', error: `${stat} err:${err}` };
  return null;
}
