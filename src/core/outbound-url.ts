import { promises as dns, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { invalid } from './errors.js';

/**
 * Where outbound calls that an administrator configures (an HTTP SMS gateway) may go. A URL in the
 * settings must not become a way into the services next to Posthorn: loopback, private networks,
 * link-local (the cloud metadata service at 169.254.169.254), CGNAT, multicast and reserved
 * addresses are refused, in IPv4, IPv6 and IPv4-mapped IPv6, unless POSTHORN_ALLOW_PRIVATE_URLS
 * lists the host name, the address or a CIDR around it.
 *
 * The check is made on the addresses a name resolves to at send time, and the connection then
 * goes to the address that was checked (`pin`, `lookup`): a name that answers a public address to
 * the check and 127.0.0.1 to the connection (DNS rebinding) cannot slip through.
 */

interface Range {
  prefix: string;
  bits: number;
  family: 'ipv4' | 'ipv6';
  why: string;
}

// most specific first: the first match names the reason
const refusedRanges: Range[] = [
  { prefix: '169.254.169.254', bits: 32, family: 'ipv4', why: 'the cloud metadata service' },
  { prefix: '0.0.0.0', bits: 8, family: 'ipv4', why: '"this network"' },
  { prefix: '10.0.0.0', bits: 8, family: 'ipv4', why: 'a private network' },
  { prefix: '100.64.0.0', bits: 10, family: 'ipv4', why: 'carrier-grade NAT' },
  { prefix: '127.0.0.0', bits: 8, family: 'ipv4', why: 'loopback' },
  { prefix: '169.254.0.0', bits: 16, family: 'ipv4', why: 'link-local' },
  { prefix: '172.16.0.0', bits: 12, family: 'ipv4', why: 'a private network' },
  { prefix: '192.0.0.0', bits: 24, family: 'ipv4', why: 'IETF protocol assignments' },
  { prefix: '192.168.0.0', bits: 16, family: 'ipv4', why: 'a private network' },
  { prefix: '198.18.0.0', bits: 15, family: 'ipv4', why: 'benchmarking' },
  { prefix: '224.0.0.0', bits: 4, family: 'ipv4', why: 'multicast' },
  { prefix: '240.0.0.0', bits: 4, family: 'ipv4', why: 'reserved (and broadcast)' },
  { prefix: '::', bits: 128, family: 'ipv6', why: 'the unspecified address' },
  { prefix: '::1', bits: 128, family: 'ipv6', why: 'loopback' },
  // ::a.b.c.d, deprecated; nothing legitimate uses it, and it could carry any IPv4 address
  { prefix: '::', bits: 96, family: 'ipv6', why: 'IPv4-compatible IPv6' },
  { prefix: 'fc00::', bits: 7, family: 'ipv6', why: 'a private network (unique local)' },
  { prefix: 'fe80::', bits: 10, family: 'ipv6', why: 'link-local' },
  { prefix: 'fec0::', bits: 10, family: 'ipv6', why: 'site-local' },
  { prefix: 'ff00::', bits: 8, family: 'ipv6', why: 'multicast' },
];

// one list per range, so a refusal can say which; IPv4-mapped IPv6 (::ffff:a.b.c.d) matches the
// IPv4 rules in node's BlockList, so it needs no rule of its own
const refused = refusedRanges.map((r) => {
  const list = new BlockList();
  list.addSubnet(r.prefix, r.bits, r.family);
  return { list, why: r.why };
});

/** Addresses from a NAT64 gateway (64:ff9b::/96) reach the IPv4 address in their last 32 bits. */
const nat64 = new BlockList();
nat64.addSubnet('64:ff9b::', 96, 'ipv6');

/**
 * A host name or address as a URL has it, without brackets, an IPv6 zone (`%eth0`: the address is
 * what is checked) and a trailing dot, lower-case.
 */
function bare(host: string): string {
  return host
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

function familyOf(address: string): 'ipv4' | 'ipv6' | null {
  const v = isIP(address);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
}

/** The IPv4 address in the last 32 bits of an IPv6 address (`64:ff9b::7f00:1` → `127.0.0.1`). */
function embeddedIpv4(address: string): string {
  // the URL parser writes an IPv6 address in canonical hex form; the last two groups are the IPv4
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const groups = canonical.split(':');
  const hi = Number.parseInt(groups.at(-2) || '0', 16);
  const lo = Number.parseInt(groups.at(-1) || '0', 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Why an address may not be reached (`loopback`), or null when it is a public one. */
export function refusedReason(address: string): string | null {
  const a = bare(address);
  const family = familyOf(a);
  if (family === null) return 'not an IP address';
  for (const r of refused) if (r.list.check(a, family)) return r.why;
  if (family === 'ipv6' && nat64.check(a, 'ipv6')) {
    const inner = refusedReason(embeddedIpv4(a));
    return inner === null ? null : `${inner} (through NAT64)`;
  }
  return null;
}

/** A refused outbound address: the send fails for good (another try reaches the same address). */
export class OutboundAddressRefused extends Error {
  readonly code = 'URL_NOT_ALLOWED';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(
      `${host}${bare(host) === bare(address) ? '' : ` resolves to ${address}, which`} is ${reason}: ` +
        'outbound calls may not go there unless POSTHORN_ALLOW_PRIVATE_URLS lists it',
    );
    this.name = 'OutboundAddressRefused';
  }
}

/** How host names are resolved (the system resolver by default; tests give their own). */
export type Resolve = (host: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (host) => dns.lookup(host, { all: true, verbatim: true });

/** Names that are loopback whatever DNS says (RFC 6761), refused already in the settings. */
const localNames = /^(localhost|.*\.localhost)$/;

/**
 * The guard over one instance's allow list (POSTHORN_ALLOW_PRIVATE_URLS: host names, addresses
 * and CIDRs). One is built with the services and handed to what makes outbound calls.
 */
export class OutboundGuard {
  private readonly allowedHosts = new Set<string>();
  private readonly allowedAddresses = new BlockList();

  constructor(
    allow: readonly string[] = [],
    private readonly resolve: Resolve = systemResolve,
  ) {
    for (const raw of allow) {
      const entry = bare(raw.trim());
      if (entry === '') continue;
      const slash = entry.indexOf('/');
      if (slash >= 0) {
        const prefix = bare(entry.slice(0, slash));
        const bits = Number(entry.slice(slash + 1));
        const family = familyOf(prefix);
        const max = family === 'ipv4' ? 32 : 128;
        if (family === null || !Number.isInteger(bits) || bits < 0 || bits > max)
          throw new Error(`POSTHORN_ALLOW_PRIVATE_URLS: "${raw}" is not a CIDR (10.0.0.0/8, fd00::/8)`);
        this.allowedAddresses.addSubnet(prefix, bits, family);
      } else {
        const family = familyOf(entry);
        if (family) this.allowedAddresses.addAddress(entry, family);
        else this.allowedHosts.add(entry);
      }
    }
  }

  /** Why `address` (reached as `host`) may not be called, or null when it may. */
  refusal(address: string, host?: string): string | null {
    if (host !== undefined && this.allowedHosts.has(bare(host))) return null;
    const a = bare(address);
    const family = familyOf(a);
    if (family !== null && this.allowedAddresses.check(a, family)) return null;
    return refusedReason(a);
  }

  /**
   * The settings check: refuses a URL whose host is plainly local (a refused address written as
   * such, or localhost) with 400 URL_NOT_ALLOWED naming `field`. Names are not resolved here
   * (what they resolve to may change): the send checks them again on every connection.
   */
  checkUrl(url: string, field: string): void {
    let host: string;
    try {
      host = bare(new URL(url).hostname);
    } catch {
      throw invalid('URL_INVALID', `${field}: not a URL`, { field });
    }
    if (this.allowedHosts.has(host)) return;
    const why = familyOf(host) !== null ? this.refusal(host) : localNames.test(host) ? 'loopback' : null;
    if (why !== null) {
      throw invalid(
        'URL_NOT_ALLOWED',
        `${field}: ${host} is ${why}; outbound calls may not go there unless POSTHORN_ALLOW_PRIVATE_URLS lists it`,
        { field, host, reason: why },
      );
    }
  }

  /**
   * Resolves `host`, checks every address it has (one refused address refuses the host: a name
   * that mixes public and private answers is not to be trusted) and answers the first, which the
   * connection must then use. Throws OutboundAddressRefused.
   */
  async pin(host: string): Promise<LookupAddress> {
    const name = bare(host);
    const family = isIP(name);
    const addresses = family ? [{ address: name, family }] : await this.resolve(name);
    const first = addresses[0];
    if (!first) throw new Error(`${name} has no address`);
    for (const a of addresses) {
      const why = this.refusal(a.address, name);
      if (why !== null) throw new OutboundAddressRefused(name, a.address, why);
    }
    return first;
  }

  /**
   * A `lookup` for node's `http.request`, `https.request`, an Agent or `net.connect`: it resolves
   * and checks like `pin` and hands the socket only the checked address. (Node does not call
   * `lookup` for a host that is an IP address: check those with `pin` before the request.)
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.pin(hostname).then(
      (a) => {
        if (options.all) callback(null, [a]);
        else callback(null, a.address, a.family);
      },
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e)), ''),
    );
  };
}

/** A `lookup` that answers one address already checked by `OutboundGuard.pin`, whatever it is asked. */
export function pinnedLookup(pinned: LookupAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
}
