import type { TokenSigner } from '../core/index.js';

/**
 * The one owner of recipient tokens and of every public address a message carries: tracked
 * links and the open pixel (`/t/c/<token>/<n>`), unsubscribe (`/t/u/…` and the
 * `unsubscribe+<token>@<bounce domain>` mailto), manage subscriptions (`/t/m/…`, also a fresh
 * link), view online (`/t/v/…`) and the VERP return path `bounces+<token>@<bounce domain>`.
 * The routes that parse these addresses are in src/http/routes/tracking.routes.ts.
 *
 * One HMAC purpose per use (docs/decisions/0007):
 *
 * - `r`, the link token: in every tracking link, the view-online, unsubscribe and manage pages and
 *   the `List-Unsubscribe` header. It is in the body, so whoever is forwarded the message has it;
 *   it may only do what the person could do with the links themselves.
 * - `b`, the return-path token: only in the VERP return path. Only it says which recipient a
 *   bounce is about, so a link token taken from a forwarded message cannot be used to report the
 *   person's address as bouncing and block it.
 * - `m`, a fresh manage link: a person and the time it was issued.
 *
 * `r` and `b` carry `mailing.recipient[.test]`; a token of one purpose never verifies as another.
 */

/** What a signed recipient token says: which recipient of which mailing, and whether a test send. */
export interface RecipientToken {
  mailingId: number;
  recipientId: number;
  test: boolean;
}

/** Longer than any token we issue: refused before any HMAC is computed. */
const maxTokenLength = 200;

function payloadOf(mailingId: number, recipientId: number, test: boolean): string {
  return `${mailingId}.${recipientId}${test ? '.test' : ''}`;
}

function parse(signer: TokenSigner, purpose: 'r' | 'b', token: string): RecipientToken | null {
  if (token.length > maxTokenLength) return null;
  const payload = signer.verify(purpose, token);
  if (payload === null) return null;
  const m = /^(\d{1,10})\.(\d{1,12})(\.test)?$/.exec(payload);
  if (!m) return null;
  return { mailingId: Number(m[1]), recipientId: Number(m[2]), test: m[3] !== undefined };
}

/** The link token (purpose `r`) of one recipient's message; a test send's says so. */
export function signRecipientToken(
  signer: TokenSigner,
  mailingId: number,
  recipientId: number,
  test: boolean,
): string {
  return signer.sign('r', payloadOf(mailingId, recipientId, test));
}

/** Parses a link token (purpose `r`): the key of the public pages, never of a bounce. */
export function parseRecipientToken(signer: TokenSigner, token: string): RecipientToken | null {
  return parse(signer, 'r', token);
}

/** The return-path token (purpose `b`) of one sent message: `bounces+<this>@<bounce domain>`. */
export function signReturnPathToken(
  signer: TokenSigner,
  mailingId: number,
  recipientId: number,
  test: boolean,
): string {
  return signer.sign('b', payloadOf(mailingId, recipientId, test));
}

/** Parses a return-path token (purpose `b`), the only token that matches a bounce to a recipient. */
export function parseReturnPathToken(signer: TokenSigner, token: string): RecipientToken | null {
  return parse(signer, 'b', token);
}

/** A fresh manage link's token (purpose `m`): the person and when it was issued. */
export function signFreshManageToken(signer: TokenSigner, personId: number, issuedAt: number): string {
  return signer.sign('m', `${personId}.${issuedAt.toString(36)}`);
}

/** Parses a fresh manage link's token; null when forged or misspelt. */
export function parseFreshManageToken(
  signer: TokenSigner,
  token: string,
): { personId: number; issuedAt: number } | null {
  if (token.length > maxTokenLength) return null;
  const payload = signer.verify('m', token);
  const m = payload ? /^(\d{1,12})\.([0-9a-z]{1,12})$/.exec(payload) : null;
  return m ? { personId: Number(m[1]), issuedAt: Number.parseInt(m[2] as string, 36) } : null;
}

/** Every public address of one recipient's message, all from one link token. */
export interface RecipientLinks {
  /** The link token (purpose `r`). */
  token: string;
  /** Tracked link `n` (and the open pixel, link 0) is this prefix followed by `n`. */
  clickPrefix: string;
  unsubscribe: string;
  manageSubscriptions: string;
  viewOnline: string;
  /** The address of the `mailto:` in `List-Unsubscribe` (the inbound receiver accepts it). */
  unsubscribeMailbox: string;
  /** The `List-Unsubscribe` header value (RFC 2369: the https URL and the mailto). */
  listUnsubscribe: string;
}

/** The public addresses of messages under one public URL and one bounce domain. */
export class TrackingLinks {
  private readonly base: string;

  constructor(
    private readonly signer: TokenSigner,
    publicUrl: string,
    /** Domain of the VERP return path and of the unsubscribe mailto. */
    readonly bounceDomain: string,
  ) {
    this.base = publicUrl.replace(/\/+$/, '');
  }

  /** The addresses of one recipient's message (a test send's token counts and changes nothing). */
  forRecipient(mailingId: number, recipientId: number, test: boolean): RecipientLinks {
    return this.ofToken(signRecipientToken(this.signer, mailingId, recipientId, test));
  }

  /** The addresses behind a link token already issued (view online renders with the visitor's own). */
  ofToken(token: string): RecipientLinks {
    const unsubscribe = `${this.base}/t/u/${token}`;
    const unsubscribeMailbox = `unsubscribe+${token}@${this.bounceDomain}`;
    return {
      token,
      clickPrefix: `${this.base}/t/c/${token}/`,
      unsubscribe,
      manageSubscriptions: `${this.base}/t/m/${token}`,
      viewOnline: `${this.base}/t/v/${token}`,
      unsubscribeMailbox,
      listUnsubscribe: `<${unsubscribe}>, <mailto:${unsubscribeMailbox}>`,
    };
  }

  /** The VERP return path of one message: its own token (purpose `b`), never the link token. */
  returnPath(mailingId: number, recipientId: number, test: boolean): string {
    return `bounces+${signReturnPathToken(this.signer, mailingId, recipientId, test)}@${this.bounceDomain}`;
  }

  /** A fresh manage-subscriptions link for a person, issued now. */
  freshManage(personId: number, issuedAt: number): string {
    return `${this.base}/t/m/${signFreshManageToken(this.signer, personId, issuedAt)}`;
  }

  parseRecipientToken(token: string): RecipientToken | null {
    return parseRecipientToken(this.signer, token);
  }
}
