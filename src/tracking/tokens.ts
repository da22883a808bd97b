import type { TokenSigner } from '../core/index.js';

/**
 * The recipient tokens of a sent e-mail, one HMAC purpose per use (docs/decisions/0007):
 *
 * - `r`, the link token: in every tracking link, the view-online, unsubscribe and manage pages and
 *   the `List-Unsubscribe` header. It is in the body, so whoever is forwarded the message has it;
 *   it may only do what the person could do with the links themselves.
 * - `b`, the return-path token: only in the VERP return path `bounces+<token>@<bounce domain>`.
 *   Only it says which recipient a bounce is about, so a link token taken from a forwarded
 *   message cannot be used to report the person's address as bouncing and block it.
 *
 * Both carry `mailing.recipient[.test]`; a token of one purpose never verifies as the other.
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
