/**
 * Reading what came back (PRODUCT.md §11): a DSN (RFC 3464), a feedback-loop complaint (ARF,
 * RFC 5965), or a non-standard bounce text (a heuristic over the diagnostic phrases MTAs use).
 * Pure: it only reads the message. Which recipient it is about is decided by the bounce service
 * from the return-path token (VERP address) or the original Message-ID found here; link tokens
 * (List-Unsubscribe, tracking URLs) are collected too, but only to say why a report is unmatched.
 */
export type BounceKind = 'hard' | 'soft' | 'complaint' | 'delivered';

export interface BounceReport {
  kind: BounceKind;
  /** How it was read: `dsn`, `arf`, `heuristic`, or a webhook format. */
  format: string;
  /** The failed recipient's address, when the report names it. */
  recipient: string | null;
  /** The enhanced status code (RFC 3463), e.g. `5.1.1`. */
  status: string | null;
  /** The SMTP reply code, e.g. `550`. */
  code: string | null;
  diagnostic: string | null;
  /** Where the report was addressed (the VERP return path of the original). */
  addressedTo: string[];
  /** The original message's Message-ID, when the report carries its headers. */
  originalMessageId: string | null;
  /** Signed tokens found in the original (return path; List-Unsubscribe and links, not trusted). */
  originalTokens: string[];
}

export type ParseResult = { ok: true; report: BounceReport } | { ok: false; reason: string };

const hardPhrases =
  /user unknown|doesn't have an? [\w.-]+ account|not listed in [\w ]+directory|unknown user|no such (user|mailbox|recipient|address)|does not exist|doesn't exist|invalid (recipient|mailbox|address)|recipient (address )?rejected|mailbox (unavailable|not found)|address rejected|account (has been )?(disabled|closed|deactivated)|not a valid mailbox|unrouteable address|undeliverable address|no mailbox here|user not found|addressee unknown|host or domain name not found|domain (does not|doesn't) exist|name service error/i;
const softPhrases =
  /mailbox (is )?full|over (the )?quota|quota exceeded|insufficient (system )?storage|temporar(y|ily)|try again later|deferred|delayed|will (retry|continue trying)|greylist|too many (connections|messages)|rate limit|message too large|connection timed out|service unavailable/i;

/** Soft or hard from an enhanced status code and the diagnostic text. */
export function classify(status: string | null, diagnostic: string | null, action?: string): 'hard' | 'soft' {
  const text = diagnostic ?? '';
  if (action === 'delayed') return 'soft';
  if (status?.startsWith('4')) return 'soft';
  if (status?.startsWith('5')) {
    // a full mailbox and policy blocks (spam, reputation) are not about the address
    if (status === '5.2.2' || status === '5.3.4' || status.startsWith('5.7.')) {
      return hardPhrases.test(text) ? 'hard' : 'soft';
    }
    return 'hard';
  }
  const code = /\b([245])\d\d\b/.exec(text)?.[1];
  if (code === '4') return 'soft';
  if (softPhrases.test(text) && !hardPhrases.test(text)) return 'soft';
  if (code === '5' || hardPhrases.test(text)) return 'hard';
  return 'soft';
}

/** `name: value` fields of a header block (continuation lines unfolded, names lower-cased). */
export function headerFields(block: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of block
    .replace(/\r\n/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return out;
}

/** The groups of a message/delivery-status body: the per-message group, then one per recipient. */
function dsnGroups(body: string): Array<Map<string, string>> {
  return body
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .map((g) => new Map(headerFields(g)))
    .filter((g) => g.size > 0);
}

function typed(value: string | undefined): string | null {
  if (!value) return null;
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(semi + 1) : value).trim() || null;
}

const tokenPattern =
  /(?:bounces|unsubscribe)\+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)@|\/t\/[uvmc]\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g;

/** Recipient tokens in a text (VERP addresses, List-Unsubscribe and tracking URLs). */
export function tokensIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(tokenPattern)) out.add((m[1] ?? m[2]) as string);
  return [...out];
}

interface Part {
  type: string;
  headers: Array<[string, string]>;
  body: string;
}

/** The value of a header parameter (`boundary`, `charset`). */
function parameter(value: string, name: string): string | null {
  const m = new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? ((m[1] ?? m[2]) as string) : null;
}

function decodeBody(body: string, encoding: string): string {
  const e = encoding.toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (e === 'quoted-printable') {
    const bytes = Buffer.from(
      body
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    );
    return bytes.toString('utf8');
  }
  return body;
}

/**
 * The leaf parts of a MIME message (multiparts walked, bodies decoded). A message/rfc822 part is
 * a leaf: it is the original, read for its headers only. Bounded: at most 100 parts, depth 5.
 */
function mimeParts(text: string, depth = 0, out: Part[] = []): Part[] {
  const split = text.search(/\r?\n\r?\n/);
  const head = split >= 0 ? text.slice(0, split) : text;
  const body = split >= 0 ? text.slice(split).replace(/^\r?\n\r?\n/, '') : '';
  const headers = headerFields(head);
  const get = (n: string) => headers.find(([k]) => k === n)?.[1] ?? '';
  const contentType = get('content-type') || 'text/plain';
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const boundary = parameter(contentType, 'boundary');
  if (type.startsWith('multipart/') && boundary && depth < 5) {
    const sections = body.split(
      new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n`),
    );
    for (const section of sections.slice(1)) {
      if (out.length >= 100) break;
      if (section.trim() === '' || section.startsWith('--')) continue;
      mimeParts(section, depth + 1, out);
    }
    return out;
  }
  out.push({ type, headers, body: decodeBody(body, get('content-transfer-encoding')) });
  return out;
}

/** The original's headers: a message/rfc822 part, text/rfc822-headers, or a copy in the text. */
function originalHeaders(parts: Part[], text: string): string {
  for (const p of parts) {
    if (
      p.type === 'message/rfc822' ||
      p.type === 'text/rfc822-headers' ||
      p.type === 'message/rfc822-headers'
    ) {
      const end = p.body.search(/\r?\n\r?\n/);
      return end >= 0 ? p.body.slice(0, end) : p.body;
    }
  }
  // an inline copy ("This is a copy of the message …"): from its first Return-Path/Received line
  const at = text.search(/^(Return-Path|Received|Message-ID):/im);
  return at >= 0 ? text.slice(at) : '';
}

function messageIdIn(headers: string): string | null {
  for (const [k, v] of headerFields(headers)) if (k === 'message-id') return v;
  return null;
}

function emailsIn(value: string): string[] {
  return [...value.matchAll(/<?([A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+)>?/g)].map((m) => m[1] as string);
}

/**
 * Reads a bounce or complaint. A message that is none of these (an auto-reply, a newsletter, spam
 * to the bounce address) is refused with the reason, and nothing is recorded about any recipient.
 */
export async function parseBounce(raw: Buffer | string): Promise<ParseResult> {
  const source = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (source.trim() === '' || !/^[\x21-\x39\x3b-\x7e]+:/m.test(source))
    return { ok: false, reason: 'not a readable message: no header lines' };
  const parts = mimeParts(source);
  const top = headerFields(source.slice(0, Math.max(0, source.search(/\r?\n\r?\n/))));
  const get = (n: string) => top.filter(([k]) => k === n).map(([, v]) => v);
  const addressedTo = ['to', 'delivered-to', 'x-original-to', 'envelope-to'].flatMap((h) =>
    get(h).flatMap(emailsIn),
  );
  const text = parts
    .filter((p) => p.type === 'text/plain')
    .map((p) => p.body)
    .join('\n');
  const headers = originalHeaders(parts, text);
  const originalTokens = tokensIn(`${headers}\n${text}`);
  const originalMessageId = messageIdIn(headers);
  const base = { addressedTo, originalMessageId, originalTokens };
  const attachmentText = (p: Part) => p.body;
  const mail = {
    attachments: parts.map((p) => ({ ...p, contentType: p.type })),
    subject: get('subject')[0] ?? '',
    fromText: get('from').join(' '),
  };

  const feedback = mail.attachments.find((a) => a.contentType.toLowerCase() === 'message/feedback-report');
  if (feedback) {
    const f = new Map(headerFields(attachmentText(feedback)));
    const type = (f.get('feedback-type') ?? '').toLowerCase();
    if (type !== 'abuse' && type !== 'fraud' && type !== 'other' && type !== 'virus')
      return { ok: false, reason: `a feedback report of type "${type || 'none'}" is not a complaint` };
    const rcpt = f.get('original-rcpt-to') ?? null;
    return {
      ok: true,
      report: {
        kind: 'complaint',
        format: 'arf',
        recipient: rcpt ? rcpt.replace(/^rfc822;\s*/i, '').replace(/[<>]/g, '') : null,
        status: null,
        code: null,
        diagnostic: `feedback-type: ${type}${f.get('user-agent') ? ` (${f.get('user-agent')})` : ''}`,
        ...base,
      },
    };
  }

  const dsn = mail.attachments.find((a) => {
    const t = a.contentType.toLowerCase();
    return t === 'message/delivery-status' || t === 'message/global-delivery-status';
  });
  if (dsn) {
    const groups = dsnGroups(attachmentText(dsn));
    const recipientGroup =
      groups.find((g) => (g.get('action') ?? '').toLowerCase() === 'failed') ??
      groups.find((g) => g.has('final-recipient') || g.has('original-recipient'));
    if (!recipientGroup) return { ok: false, reason: 'a delivery-status part without a recipient' };
    const action = (recipientGroup.get('action') ?? '').toLowerCase();
    const status = /\d\.\d{1,3}\.\d{1,3}/.exec(recipientGroup.get('status') ?? '')?.[0] ?? null;
    const diagnostic = typed(recipientGroup.get('diagnostic-code'));
    const recipient = typed(
      recipientGroup.get('final-recipient') ?? recipientGroup.get('original-recipient'),
    );
    if (action === 'delivered' || action === 'relayed' || action === 'expanded')
      return {
        ok: true,
        report: { kind: 'delivered', format: 'dsn', recipient, status, code: null, diagnostic, ...base },
      };
    const code = /\b([245]\d\d)\b/.exec(diagnostic ?? '')?.[1] ?? null;
    return {
      ok: true,
      report: {
        kind: classify(status, diagnostic, action),
        format: 'dsn',
        recipient,
        status,
        code,
        diagnostic,
        ...base,
      },
    };
  }

  // no report part: a bounce only when it looks like one (a daemon sender or subject, and a reason)
  const subject = mail.subject;
  const looksLikeBounce =
    /mailer-daemon|postmaster|mail delivery (subsystem|system)|mdaemon/i.test(mail.fromText) ||
    /undeliver|returned mail|delivery (status notification|failure|has failed)|failure notice|could not be delivered|not delivered|mail delivery failed/i.test(
      subject,
    );
  const reason = hardPhrases.exec(text)?.[0] ?? softPhrases.exec(text)?.[0] ?? null;
  const codeMatch = /\b([245]\d\d)[ :-]((?:[245])\.\d{1,3}\.\d{1,3})?/.exec(text);
  if (!looksLikeBounce || (!reason && !codeMatch)) {
    return {
      ok: false,
      reason: looksLikeBounce
        ? 'a delivery notice without a failure reason'
        : 'not a bounce: no delivery-status or feedback report, and no daemon sender or bounce subject',
    };
  }
  const status = codeMatch?.[2] ?? /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1] ?? null;
  const line =
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => (reason && l.toLowerCase().includes(reason.toLowerCase())) || /\b[245]\d\d\b/.test(l)) ??
    null;
  // the failed address: the first one in the notice before the copy of the original, that is
  // neither ours (VERP, unsubscribe) nor a daemon's
  const copyAt = text.search(/^(Return-Path|Received|Message-ID):/im);
  const notice = copyAt >= 0 ? text.slice(0, copyAt) : text;
  const recipient =
    emailsIn(notice).find((a) => !/^(bounces|unsubscribe)\+|^(mailer-daemon|postmaster)@/i.test(a)) ?? null;
  return {
    ok: true,
    report: {
      kind: classify(status, line),
      format: 'heuristic',
      recipient,
      status,
      code: codeMatch?.[1] ?? null,
      diagnostic: line ? line.slice(0, 500) : null,
      ...base,
    },
  };
}
