import { domainToASCII } from 'node:url';

/**
 * E-mail address validation for a mailing system, by the RFC 5321 mailbox rules:
 * `local-part@domain` where the local part is a dot-atom of atext (quoted strings, comments and
 * address literals are valid in RFC 5322 but refused here: relays and mailbox providers reject
 * them in practice), the domain is a host name (IDN allowed, converted to
 * punycode; a bare top-level domain such as `io` is allowed, since some have MX records), and the RFC 5321 length limits hold (local part ≤ 64, domain ≤ 253, path ≤ 254 octets).
 */
export type EmailValidation =
  | { valid: true; address: string; local: string; domain: string; key: string }
  | { valid: false; reason: EmailInvalidReason; message: string };

export type EmailInvalidReason =
  | 'empty'
  | 'noAt'
  | 'noLocalPart'
  | 'noDomain'
  | 'localPartInvalid'
  | 'localPartTooLong'
  | 'domainInvalid'
  | 'domainTooLong'
  | 'domainNumericTld'
  | 'tooLong';

const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const fail = (reason: EmailInvalidReason, message: string): EmailValidation => ({
  valid: false,
  reason,
  message,
});

export function validateEmail(input: string): EmailValidation {
  // Surrounding spaces (as typed or exported by spreadsheets) are forgiven; line breaks and
  // other control characters never are: they are how header injection starts.
  const value = input.replace(/^ +| +$/g, '');
  if (value === '') return fail('empty', 'the address is empty');
  const at = value.lastIndexOf('@');
  if (at === -1) return fail('noAt', 'the address has no @');
  const local = value.slice(0, at);
  const rawDomain = value.slice(at + 1);
  if (local === '') return fail('noLocalPart', 'nothing before the @');
  if (rawDomain === '') return fail('noDomain', 'nothing after the @');
  if (local.length > 64)
    return fail('localPartTooLong', 'the part before the @ is longer than 64 characters');
  const atoms = local.split('.');
  for (const atom of atoms) {
    if (!ATEXT.test(atom)) {
      return fail(
        'localPartInvalid',
        atom === ''
          ? 'the part before the @ has an empty segment (a leading, trailing or double dot)'
          : 'the part before the @ has a character that is not allowed',
      );
    }
  }
  const domain = normaliseDomain(rawDomain);
  if (domain === null) return fail('domainInvalid', `the domain "${rawDomain}" is not a valid host name`);
  if (domain.length > 253) return fail('domainTooLong', 'the domain is longer than 253 characters');
  const labels = domain.split('.');
  for (const label of labels) {
    if (!LABEL.test(label))
      return fail('domainInvalid', `the domain "${rawDomain}" is not a valid host name`);
  }
  const tld = labels[labels.length - 1] ?? '';
  if (/^[0-9]+$/.test(tld)) return fail('domainNumericTld', 'the top-level domain is numeric');
  const address = `${local}@${domain}`;
  if (address.length > 254) return fail('tooLong', 'the address is longer than 254 characters');
  return { valid: true, address, local, domain, key: address.toLowerCase() };
}

/** Lower-cased ASCII (punycode) form of a domain, or null when it cannot be a host name. */
function normaliseDomain(raw: string): string | null {
  // Only printable characters: control characters and spaces never belong in a host name.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u0020\u007f[\]()\\"@,;:<>]/.test(raw)) return null;
  if (/^[\x21-\x7e]*$/.test(raw)) return raw.toLowerCase();
  const ascii = domainToASCII(raw);
  return ascii === '' ? null : ascii.toLowerCase();
}

/** The lower-cased key used to match and de-duplicate addresses, or null when invalid. */
export function emailKey(input: string): string | null {
  const r = validateEmail(input);
  return r.valid ? r.key : null;
}
