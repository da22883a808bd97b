import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError, invalid } from '../core/index.js';
import { type BounceKind, type BounceReport, classify, tokensIn } from './parse.js';

/**
 * Bounce webhooks (PRODUCT.md §11): a generic JSON format of our own, and the event formats of
 * Amazon SES (through SNS) and Mailgun. Each is authenticated before anything is read: the
 * generic one by `X-Posthorn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`,
 * Mailgun by its own signature (HMAC of timestamp + token with the signing key), SES by the
 * secret `?token=` of the subscribed URL (SNS's certificate signature needs AWS's certificate).
 */
export type WebhookProvider = 'generic' | 'ses' | 'mailgun';

const genericEvent = z.strictObject({
  type: z.enum(['hard', 'soft', 'complaint', 'delivered']),
  recipient: z.string().max(320).optional(),
  messageId: z.string().max(998).optional(),
  token: z.string().max(200).optional(),
  status: z.string().max(20).optional(),
  code: z.string().max(10).optional(),
  diagnostic: z.string().max(2000).optional(),
});
const genericBody = z.union([
  genericEvent,
  z.strictObject({ events: z.array(genericEvent).min(1).max(1000) }),
]);

function unauthenticated(message: string): AppError {
  return new AppError('unauthenticated', 'WEBHOOK_SIGNATURE_INVALID', message);
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

function report(kind: BounceKind, format: string, fields: Partial<BounceReport>): BounceReport {
  return {
    kind,
    format,
    recipient: fields.recipient ?? null,
    status: fields.status ?? null,
    code: fields.code ?? null,
    diagnostic: fields.diagnostic ?? null,
    addressedTo: [],
    originalMessageId: fields.originalMessageId ?? null,
    originalTokens: fields.originalTokens ?? [],
  };
}

const angle = (id: string) => (id.startsWith('<') ? id : `<${id}>`);

/** Verifies a webhook and reads its reports. Throws 401 for a bad signature, 400 for a bad body. */
export function readWebhook(
  provider: WebhookProvider,
  input: {
    rawBody: string;
    signatureHeader: string | undefined;
    token: string | undefined;
    now: number;
  },
  keys: { secret: string; mailgunSigningKey: string },
): BounceReport[] {
  let body: unknown;
  const parse = () => {
    try {
      body = JSON.parse(input.rawBody);
    } catch (e) {
      throw invalid(
        'INVALID_JSON',
        `the webhook body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  };
  if (provider === 'generic') {
    const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(input.signatureHeader ?? '');
    if (!m) throw unauthenticated('X-Posthorn-Signature is missing or not "t=<seconds>,v1=<hex>"');
    const t = Number(m[1]);
    if (Math.abs(input.now / 1000 - t) > 300) throw unauthenticated('the signature is older than 5 minutes');
    const expected = createHmac('sha256', keys.secret).update(`${t}.${input.rawBody}`).digest('hex');
    if (!equalHex(expected, m[2] as string)) throw unauthenticated('the signature does not match the body');
    parse();
    const parsed = genericBody.safeParse(body);
    if (!parsed.success)
      throw invalid(
        'WEBHOOK_BODY_INVALID',
        `${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message}`,
      );
    const events = 'events' in parsed.data ? parsed.data.events : [parsed.data];
    return events.map((e) =>
      report(e.type, 'generic', {
        recipient: e.recipient ?? null,
        status: e.status ?? null,
        code: e.code ?? null,
        diagnostic: e.diagnostic ?? null,
        originalMessageId: e.messageId ? angle(e.messageId) : null,
        originalTokens: e.token ? [e.token] : [],
      }),
    );
  }
  if (provider === 'ses') {
    if (
      !input.token ||
      !equalHex(Buffer.from(input.token).toString('hex'), Buffer.from(keys.secret).toString('hex'))
    )
      throw unauthenticated('the ?token= of the SES (SNS) subscription URL is missing or wrong');
    parse();
    const sns = body as { Type?: string; Message?: string };
    if (sns.Type !== 'Notification' || typeof sns.Message !== 'string') return [];
    let msg: SesMessage;
    try {
      msg = JSON.parse(sns.Message) as SesMessage;
    } catch {
      throw invalid('WEBHOOK_BODY_INVALID', 'the SNS Message is not JSON');
    }
    const headers = msg.mail?.headers ?? [];
    const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
    const commonId = msg.mail?.commonHeaders?.messageId;
    const messageId = header('message-id') ?? (commonId ? angle(commonId) : null);
    // `mail.source` is the envelope MAIL FROM we sent with: our return path and its token. The
    // List-Unsubscribe header carries only the link token, which identifies no bounce any more.
    const tokens = tokensIn(
      [msg.mail?.source ? `<${msg.mail.source}>` : '', header('return-path')].filter(Boolean).join(' '),
    );
    const common = { originalMessageId: messageId, originalTokens: tokens };
    switch (msg.notificationType ?? msg.eventType) {
      case 'Bounce':
        return (msg.bounce?.bouncedRecipients ?? []).map((r) =>
          report(
            msg.bounce?.bounceType === 'Permanent'
              ? 'hard'
              : msg.bounce?.bounceType === 'Transient'
                ? 'soft'
                : classify(r.status ?? null, r.diagnosticCode ?? null),
            'ses',
            {
              recipient: r.emailAddress,
              status: r.status ?? null,
              code: /\b([245]\d\d)\b/.exec(r.diagnosticCode ?? '')?.[1] ?? null,
              diagnostic: r.diagnosticCode ?? `${msg.bounce?.bounceType}/${msg.bounce?.bounceSubType}`,
              ...common,
            },
          ),
        );
      case 'Complaint':
        return (msg.complaint?.complainedRecipients ?? []).map((r) =>
          report('complaint', 'ses', {
            recipient: r.emailAddress,
            diagnostic: `feedback-type: ${msg.complaint?.complaintFeedbackType ?? 'abuse'}`,
            ...common,
          }),
        );
      case 'Delivery':
        return (msg.delivery?.recipients ?? []).map((r) =>
          report('delivered', 'ses', { recipient: r, ...common }),
        );
      default:
        return [];
    }
  }
  // mailgun
  parse();
  const mg = body as MailgunBody;
  const sig = mg.signature;
  if (
    !sig ||
    typeof sig.timestamp !== 'string' ||
    typeof sig.token !== 'string' ||
    typeof sig.signature !== 'string'
  )
    throw unauthenticated('the Mailgun signature {timestamp, token, signature} is missing');
  const expected = createHmac('sha256', keys.mailgunSigningKey)
    .update(sig.timestamp + sig.token)
    .digest('hex');
  if (!equalHex(expected, sig.signature)) throw unauthenticated('the Mailgun signature does not match');
  if (Math.abs(input.now / 1000 - Number(sig.timestamp)) > 900)
    throw unauthenticated('the Mailgun signature is too old');
  const e = mg['event-data'];
  if (!e) throw invalid('WEBHOOK_BODY_INVALID', 'event-data is missing');
  const id = e.message?.headers?.['message-id'];
  const common = { recipient: e.recipient ?? null, originalMessageId: id ? angle(id) : null };
  const ds = e['delivery-status'] ?? {};
  switch (e.event) {
    case 'failed':
      return [
        report(e.severity === 'permanent' ? 'hard' : 'soft', 'mailgun', {
          ...common,
          status: ds['enhanced-code'] ?? null,
          code: ds.code === undefined ? null : String(ds.code),
          diagnostic: ds.message || ds.description || e.reason || null,
        }),
      ];
    case 'complained':
      return [report('complaint', 'mailgun', common)];
    case 'delivered':
      return [report('delivered', 'mailgun', common)];
    default:
      return [];
  }
}

interface SesMessage {
  notificationType?: string;
  eventType?: string;
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    bouncedRecipients?: Array<{ emailAddress: string; status?: string; diagnosticCode?: string }>;
  };
  complaint?: { complaintFeedbackType?: string; complainedRecipients?: Array<{ emailAddress: string }> };
  delivery?: { recipients?: string[] };
  mail?: {
    source?: string;
    headers?: Array<{ name: string; value: string }>;
    commonHeaders?: { messageId?: string };
  };
}

interface MailgunBody {
  signature?: { timestamp?: unknown; token?: unknown; signature?: unknown };
  'event-data'?: {
    event?: string;
    severity?: string;
    reason?: string;
    recipient?: string;
    message?: { headers?: Record<string, string> };
    'delivery-status'?: {
      code?: number | string;
      message?: string;
      description?: string;
      'enhanced-code'?: string;
    };
  };
}
