/**
 * A URL as it may be shown or logged: the password of its user info replaced by `***`
 * (`smtp://user:pass@relay:587` → `smtp://user:***@relay:587`). Anything else is kept as written
 * (not re-serialised through `URL`, so the operator recognises their setting); a value that is not
 * a `scheme://` URL (a SQLite path) or has no password comes back unchanged.
 *
 * The authority ends at the first `/`, `?` or `#`, as in RFC 3986: a password must percent-encode
 * those characters to be a URL at all, and the relay and IMAP clients read it the same way.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([\s\S]*)$/i.exec(url);
  if (!m) return url;
  const [, scheme = '', authority = '', rest = ''] = m;
  // the host follows the last "@": an unencoded "@" in the password still belongs to it
  const at = authority.lastIndexOf('@');
  if (at < 0) return url;
  const userInfo = authority.slice(0, at);
  const colon = userInfo.indexOf(':');
  if (colon < 0) return url;
  return `${scheme}${userInfo.slice(0, colon)}:***@${authority.slice(at + 1)}${rest}`;
}
