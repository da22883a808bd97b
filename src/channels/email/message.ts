export interface EmailParts {
  from: { name: string; address: string };
  replyTo?: { name: string; address: string } | undefined;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** `<…@…>`, fixed per ledger row so a resend after a crash carries the same id. */
  messageId: string;
  date: Date;
  /** Extra headers (List-Unsubscribe, Feedback-ID …); values never contain line breaks. */
  headers: Record<string, string>;
  attachments: Array<{ filename: string; path: string; contentType: string }>;
}

/**
 * A complete MIME message (multipart/alternative HTML + text, attachments mixed in) as bytes.
 * nodemailer's composer encodes and folds every header, so no value can start a header line.
 */
export async function buildEmail(parts: EmailParts): Promise<Buffer> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer/index.js');
  const composer = new MailComposer({
    from: parts.from,
    ...(parts.replyTo ? { replyTo: parts.replyTo } : {}),
    to: parts.to,
    subject: parts.subject,
    html: parts.html,
    text: parts.text,
    messageId: parts.messageId,
    date: parts.date,
    headers: parts.headers,
    attachments: parts.attachments,
  });
  return new Promise((resolve, reject) => {
    composer.compile().build((err, message) => (err ? reject(err) : resolve(message)));
  });
}
