import type { DeliveryReceipt, OutgoingSms, SmsDelivery, SmsGateway } from './gateway.js';

export interface HttpGatewayOptions {
  name: string;
  url: string;
  method: 'POST' | 'GET';
  /** How the fields travel: a JSON body, or form-encoded (a GET always sends them in the query). */
  format: 'json' | 'form';
  /** The fields; `{{to}}`, `{{toDigits}}`, `{{from}}`, `{{text}}` and `{{reference}}` are replaced. */
  fields: Record<string, string>;
  /** Fixed headers, e.g. `Authorization: Bearer …` (no placeholders: nothing of a message reaches a header). */
  headers: Record<string, string>;
  /** Dot path to the gateway's message id in a JSON answer (`messages.0.id`); else the ledger row is the id. */
  idPath?: string | undefined;
  timeoutMs?: number | undefined;
}

/**
 * A generic HTTP SMS gateway: one request per SMS (the gateway splits long texts). A 2xx answer is
 * `sent`; 408, 429, 5xx and network failures are temporary; any other answer is a permanent refusal
 * with its status and the start of its body kept.
 */
export class HttpSmsGateway implements SmsGateway {
  readonly name: string;
  constructor(private readonly o: HttpGatewayOptions) {
    this.name = o.name;
  }

  onReceipt(_listener: (r: DeliveryReceipt) => void): void {}
  async close(): Promise<void> {}

  async send(sms: OutgoingSms): Promise<SmsDelivery> {
    const values: Record<string, string> = {
      to: sms.to,
      toDigits: sms.to.replace(/^\+/, ''),
      from: sms.from,
      text: sms.text,
      reference: String(sms.ledgerId ?? ''),
    };
    const fields = Object.fromEntries(
      Object.entries(this.o.fields).map(([k, v]) => [
        k,
        v.replace(/\{\{(\w+)\}\}/g, (m, name: string) => values[name] ?? m),
      ]),
    );
    const url = new URL(this.o.url);
    const headers = new Headers(this.o.headers);
    let body: string | undefined;
    if (this.o.method === 'GET') for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
    else if (this.o.format === 'json') {
      body = JSON.stringify(fields);
      headers.set('content-type', 'application/json');
    } else {
      body = new URLSearchParams(fields).toString();
      headers.set('content-type', 'application/x-www-form-urlencoded');
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method: this.o.method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (e) {
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { ok: false, retryable: true, code: 'HTTP_CONNECTION', message: `${url.host}: ${message}` };
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      return {
        ok: false,
        retryable,
        code: `HTTP_${res.status}`,
        message: `the gateway answered ${res.status}: ${text.slice(0, 200)}`,
      };
    }
    let id = `${this.name}-${sms.ledgerId ?? Date.now()}`;
    if (this.o.idPath) {
      try {
        const found = this.o.idPath
          .split('.')
          .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], JSON.parse(text));
        if (typeof found === 'string' || typeof found === 'number') id = String(found);
      } catch {
        // an answer that is not JSON keeps the ledger id as the message id
      }
    }
    return { ok: true, response: `${res.status} ${text.slice(0, 100)}`, providerIds: [id] };
  }
}
