/** Where a user goes after logging in when no deep link was kept. */
export const homePath = '/mailings';

/**
 * The deep link to return to after logging in, from the `redirect` search parameter: only a path
 * of this site (never another origin, a protocol-relative `//host` or the login page itself), with
 * its search and hash. Anything else goes home.
 */
export function safeRedirect(target: unknown, origin = 'http://posthorn.invalid'): string {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//')) return homePath;
  if (target.includes('\\')) return homePath;
  let url: URL;
  try {
    url = new URL(target, origin);
  } catch {
    return homePath;
  }
  if (url.origin !== origin) return homePath;
  if (url.pathname === '/login' || url.pathname === '/') return homePath;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The `redirect` value for the page being left: its path and search (what the user was looking at). */
export function redirectFor(location: {
  pathname: string;
  search: string;
  hash?: string;
}): string | undefined {
  if (location.pathname === '/login') return undefined;
  const here = `${location.pathname}${location.search}${location.hash ?? ''}`;
  return here === '/' ? undefined : here;
}
