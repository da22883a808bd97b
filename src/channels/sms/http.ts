import { Agent as HttpAgent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { OutboundAddressRefused, OutboundGuard, pinnedLookup } from '../../core/index.js';
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
  /** Where the gateway may be reached (default: no loopback or private address). */
  guard?: OutboundGuard | undefined;
}

/** The most of an answer kept: the status line and a message id are at its start. */
const maxAnswerBytes = 64 * 1024;

/**
 * A generic HTTP SMS gateway: one request per SMS (the gateway splits long texts). A 2xx answer is
 * `sent`; 408, 429, 5xx and network failures are temporary; any other answer (a redirect too: it
 * is not followed, so it cannot lead anywhere the guard did not check) is a permanent refusal with
 * its status and the start of its body kept. The gateway's host is resolved and checked by the
 * outbound guard before every request, and the socket connects to the checked address; an address
 * the guard refuses fails the SMS for good (URL_NOT_ALLOWED) without a byte sent.
 */
export class HttpSmsGateway implements SmsGateway {
  readonly name: string;
  private readonly guard: OutboundGuard;
  // own agents: connections are reused between the SMS of this gateway only
  private readonly agents = {
    http: new HttpAgent({ keepAlive: true }),
    https: new HttpsAgent({ keepAlive: true }),
  };

  constructor(private readonly o: HttpGatewayOptions) {
    this.name = o.name;
    this.guard = o.guard ?? new OutboundGuard();
  }

  onReceipt(_listener: (r: DeliveryReceipt) => void): void {}
  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

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
    const headers: OutgoingHttpHeaders = { ...this.o.headers };
    let body: string | undefined;
    if (this.o.method === 'GET') for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
    else if (this.o.format === 'json') {
      body = JSON.stringify(fields);
      headers['content-type'] = 'application/json';
    } else {
      body = new URLSearchParams(fields).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    let res: { status: number; text: string };
    try {
      const pinned = await this.guard.pin(url.hostname);
      res = await this.call(url, headers, body, pinnedLookup(pinned));
    } catch (e) {
      if (e instanceof OutboundAddressRefused)
        return { ok: false, retryable: false, code: e.code, message: e.message };
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { ok: false, retryable: true, code: 'HTTP_CONNECTION', message: `${url.host}: ${message}` };
    }
    const text = res.text;
    if (res.status < 200 || res.status > 299) {
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      return {
        ok: false,
        retryable,
        code: `HTTP_${res.status}`,
        responseCode: res.status,
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

  /**
   * One request over node's http(s), connecting through `lookup` (the pinned address) while the
   * Host header and the TLS name stay the URL's host. The timeout covers the whole exchange.
   */
  private call(
    url: URL,
    headers: OutgoingHttpHeaders,
    body: string | undefined,
    lookup: LookupFunction,
  ): Promise<{ status: number; text: string }> {
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: this.o.method,
          headers,
          lookup,
          agent: https ? this.agents.https : this.agents.http,
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            if (size < maxAnswerBytes) chunks.push(chunk);
            size += chunk.length;
          });
          response.on('error', reject);
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              text: Buffer.concat(chunks).subarray(0, maxAnswerBytes).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
