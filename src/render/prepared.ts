import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { LetterFrame } from '../channels/document/index.js';
import type { DkimKey } from '../channels/email/index.js';
import { invalid } from '../core/index.js';
import type {
  DocumentContent,
  DocumentSetup,
  EmailSetup,
  Mailing,
  MailingsService,
  SmsContent,
  SmsSetup,
} from '../mailings/index.js';
import { compileTemplate, knownFieldTest, type MergeMode, type MergeProgram } from '../merge/index.js';

/**
 * What a prepared mailing was made from: the mailing's `revision` (raised by every edit that
 * shapes its messages) and the global `render_epoch` (raised by the database on every change of
 * sending domains, tracked links, custom fields and subscription types). Equal keys mean equal
 * inputs, in every process: the key is read from the database, never only from memory.
 */
export interface RevisionKey {
  revision: number;
  epoch: number;
}

export function sameKey(a: RevisionKey, b: RevisionKey): boolean {
  return a.revision === b.revision && a.epoch === b.epoch;
}

/** Whether an address may be the sender ("our contact" rule), and its domain's key. */
export interface SenderCheck {
  validated: boolean;
  key: DkimKey | null;
}

/** Where preparing reads what lies outside the mailing row. */
export interface PrepareSources {
  mailings: Pick<MailingsService, 'get' | 'rendered' | 'catalogue' | 'attachmentFiles'>;
  domains: {
    keyFor(address: string): Promise<DkimKey | null>;
    validatedSender(address: string): Promise<SenderCheck>;
  };
}

interface PreparedBase {
  mailingId: number;
  /** The revision key this was prepared for (read before anything else of the mailing was read). */
  key: RevisionKey;
  name: string;
}

/** An e-mail (or form-response) mailing compiled once per revision: per recipient only merging remains. */
export interface PreparedEmail extends PreparedBase {
  channel: 'email' | 'formResponse';
  setup: EmailSetup;
  subject: MergeProgram;
  html: MergeProgram;
  text: MergeProgram;
  /** Null is Any: then no List-Unsubscribe. */
  subscriptionTypeId: number | null;
  /** The From domain's DKIM key, when it is a sending domain. */
  dkim: DkimKey | null;
  /** The setup's From domain (lower case): throttling and the Message-ID use it. */
  fromDomain: string;
  attachments: Array<{ filename: string; path: string; contentType: string }>;
  /**
   * "Our contact" senders checked for this revision key: a domain check raises the epoch, so a
   * new key (and a new cache) follows any change of what is validated.
   */
  contactSenders: Map<string, Promise<SenderCheck>>;
}

export interface PreparedSms extends PreparedBase {
  channel: 'sms';
  text: MergeProgram;
  /** The mailing's sender; empty: the gateway's. */
  sender: string;
}

export interface PreparedDocument extends PreparedBase {
  channel: 'document';
  frame: LetterFrame;
  body: MergeProgram;
  ourReference: MergeProgram;
}

export type Prepared = PreparedEmail | PreparedSms | PreparedDocument;

type Compile = (part: string, source: string, mode: MergeMode, internal?: boolean) => MergeProgram;

/** Compiles merge sources against the catalogue; a source with errors is `CONTENT_HAS_ERRORS`. */
function compiler(isKnown: (name: string) => boolean): Compile {
  return (part, source, mode, internal = false) => {
    const { program, errors } = compileTemplate(source, mode, { isKnown, internal });
    if (!program) {
      const e = errors[0];
      throw invalid(
        'CONTENT_HAS_ERRORS',
        `${part} has merge errors: ${e?.message} (line ${e?.line}, column ${e?.column})`,
        { part, errors },
      );
    }
    return program;
  };
}

/**
 * Compiles one mailing for its revision key. Throws `CONTENT_HAS_ERRORS` (merge errors, with line
 * and column) and plain errors for what makes the mailing unsendable (an attachment missing on
 * disk, a DKIM key that does not parse): the sender turns those into a pause with the reason.
 */
export async function prepareMailing(
  sources: PrepareSources,
  mailingId: number,
  key: RevisionKey,
): Promise<Prepared> {
  const m = await sources.mailings.get(mailingId);
  const compile = compiler(knownFieldTest(await sources.mailings.catalogue()));
  const base = { mailingId, key, name: m.name };
  if (m.channel === 'sms')
    return {
      ...base,
      channel: 'sms',
      text: compile('the content', (m.content as SmsContent).text, 'text'),
      sender: (m.setup as SmsSetup).sender,
    };
  if (m.channel === 'document') {
    const setup = m.setup as DocumentSetup;
    return {
      ...base,
      channel: 'document',
      frame: { senderBlock: setup.senderBlock, heading: setup.heading, attention: setup.attention },
      body: compile('the content', (m.content as DocumentContent).body, 'text'),
      ourReference: compile('our reference', setup.ourReference, 'text'),
    };
  }
  return prepareEmail(sources, m, base, compile);
}

async function prepareEmail(
  sources: PrepareSources,
  m: Mailing,
  base: PreparedBase,
  compile: Compile,
): Promise<PreparedEmail> {
  const setup = m.setup as EmailSetup;
  const rendered = await sources.mailings.rendered(m.id);
  const attachments = await sources.mailings.attachmentFiles(m.id);
  for (const a of attachments)
    if (!existsSync(a.path))
      throw new Error(
        `the attachment "${a.filename}" is missing on disk (the attachments folder of the data directory)`,
      );
  const dkim = setup.from.address === '' ? null : await sources.domains.keyFor(setup.from.address);
  if (dkim)
    try {
      createPrivateKey(dkim.privateKey);
    } catch (e) {
      throw new Error(
        `the DKIM key of ${dkim.domain} does not parse: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  return {
    ...base,
    channel: m.channel === 'formResponse' ? 'formResponse' : 'email',
    setup,
    // the subject is what the user wrote; only the rendered HTML and text carry link markers
    subject: compile('the subject', setup.subject, 'header', false),
    html: compile('the content', rendered.html, 'html', true),
    text: compile('the content', rendered.text, 'text', true),
    subscriptionTypeId: m.subscriptionTypeId,
    dkim,
    fromDomain: setup.from.address.slice(setup.from.address.lastIndexOf('@') + 1).toLowerCase(),
    attachments,
    contactSenders: new Map(),
  };
}
