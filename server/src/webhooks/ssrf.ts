// Where webhooks may be sent (OWASP SSRF prevention): a customer's URL must not reach this
// service's own network. A URL is refused when it is not HTTPS (plain HTTP only for hosts on the
// allow-list), or when ANY address its host resolves to is not public: loopback, private
// (RFC 1918, fc00::/7), link-local, multicast, unspecified, CGNAT, benchmarking, documentation,
// reserved, an IPv4-mapped / NAT64 form of one of those, an IPv6 address outside global unicast
// (2000::/3, which also rules out the deprecated IPv4-compatible ::a.b.c.d form), or a 6to4 /
// Teredo tunnel address whose embedded IPv4 address we would have to trust. Cloud metadata
// addresses are refused even when an allow-list entry would admit them.
//
// The check runs twice: when the URL is saved (E1404) and when a delivery connects. The second
// time it is the connection's own DNS lookup (lookupFor(), given to the undici Agent) that
// validates, and the connection uses exactly the addresses it validated, so a DNS answer that
// changes between check and connect (rebinding) cannot slip through.
//
// Literal IPv4 addresses in decimal, octal or hex (http://2130706433/, http://0x7f.1/) need no
// special care: the WHATWG URL parser already normalises them to dotted decimal (tested).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Resolves a host name to every address it has (A and AAAA). */
export type Resolve = (hostname: string) => Promise<string[]>;

// Addresses of instance metadata services (AWS, Azure, GCP, Oracle: 169.254.169.254; AWS ECS task
// metadata and DNS; AWS over IPv6; Alibaba; Oracle's second one). Never admitted, allow-list or not.
const METADATA = new Set(
  ['169.254.169.254', '169.254.170.2', '169.254.169.253', '169.254.169.123', 'fd00:ec2::254', 'fd00:ec2::23', '100.100.100.200', '192.0.0.192'].map(
    (address) => ipaddr.parse(address).toNormalizedString(),
  ),
);

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
// IPv6 forms that carry an IPv4 address in their last 32 bits: judged by that address.
const EMBEDS_IPV4_IN_LOW_BITS = new Set(['rfc6052', 'rfc6145']);
// Of the NAT64 prefixes (ipaddr.js's rfc6052), only the well-known one puts the IPv4 address in the
// last 32 bits. The local-use 64:ff9b:1::/48 (RFC 8215) spreads it over other bits, and its
// translators serve private networks: never a webhook target.
const WELL_KNOWN_NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

const DNS_TIMEOUT_MS = 5_000;

export class AddressNotAllowedError extends Error {
  override name = 'AddressNotAllowedError';
  readonly code = 'EADDRNOTALLOWED';
}

export class UrlPolicy {
  readonly #hosts: ReadonlySet<string>;
  readonly #ranges: readonly [Address, number][];
  readonly #resolve: Resolve;

  /** `allowlist`: host names, addresses or CIDRs (config.webhooks.allowlist). */
  constructor(allowlist: readonly string[], resolve: Resolve = resolveAll) {
    const hosts = new Set<string>();
    const ranges: [Address, number][] = [];
    for (const entry of allowlist) {
      const value = entry.trim().toLowerCase();
      if (ipaddr.isValidCIDR(value)) ranges.push(normaliseRange(ipaddr.parseCIDR(value)));
      else {
        const address = parseAddress(value);
        if (address === undefined) hosts.add(hostKey(value));
        else ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      }
    }
    this.#hosts = hosts;
    this.#ranges = ranges;
    this.#resolve = resolve;
  }

  /** Why the URL may not receive webhooks, or undefined when it may. Resolves the host. */
  async refusal(url: string): Promise<string | undefined> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'is not a valid URL';
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must use https';
    // Credentials in the URL would be shown back on every read of the endpoint.
    if (parsed.username !== '' || parsed.password !== '') return 'must not contain credentials';
    const host = hostOf(parsed);
    let addresses: string[];
    try {
      addresses = isIP(host) === 0 ? await this.#resolve(host) : [host];
    } catch {
      return `host ${host} does not resolve`;
    }
    if (addresses.length === 0) return `host ${host} does not resolve`;
    const plain = parsed.protocol === 'http:';
    if (addresses.every((address) => this.addressAllowed(address, host, { plain }))) return undefined;
    // The address itself is not told: that would make this a way to read internal DNS.
    return plain ? 'must use https (plain http only for allow-listed hosts)' : `host ${host} resolves to an address that is not allowed`;
  }

  /**
   * Whether a connection to `address`, reached through `host`, is allowed. `plain`: the request
   * is plain HTTP, which only allow-listed hosts and addresses may receive.
   */
  addressAllowed(address: string, host: string, { plain }: { plain: boolean }): boolean {
    const parsed = parseAddress(address);
    if (parsed === undefined) return false;
    if (isMetadata(parsed)) return false;
    if (this.#hosts.has(hostKey(host)) || this.#ranges.some((range) => sameKind(parsed, range[0]) && parsed.match(range))) return true;
    return !plain && isPublic(parsed);
  }

  /**
   * The DNS lookup for delivery connections: resolves, refuses the connection (AddressNotAllowedError)
   * when any address is not allowed, and otherwise hands the connection exactly those addresses.
   * Literal IP hosts never reach a lookup: check them with addressAllowed() before connecting.
   */
  lookupFor({ plain }: { plain: boolean }): LookupFunction {
    return (hostname, options, callback) => {
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
      this.#resolve(hostname)
        .then((addresses) => this.#connectable(hostname, addresses, plain, family))
        .then(
          (entries) => (options.all ? callback(null, entries) : callback(null, entries[0]!.address, entries[0]!.family)),
          (error: NodeJS.ErrnoException) => callback(error, ''),
        );
    };
  }

  #connectable(hostname: string, addresses: string[], plain: boolean, family: number): LookupAddress[] {
    if (addresses.some((address) => !this.addressAllowed(address, hostname, { plain }))) {
      throw new AddressNotAllowedError(`address not allowed for ${hostname}`);
    }
    const entries = addresses.map((address) => ({ address, family: isIP(address) })).filter((entry) => family === 0 || entry.family === family);
    if (entries.length === 0) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
    return entries;
  }
}

/** The URL's host as a resolver and isIP() take it: IPv6 without brackets. */
export function hostOf(url: URL): string {
  const host = url.hostname;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * ipaddr.js reads any IPv6 text ending in a dotted quad as IPv4-mapped (`::8.8.8.8` comes out as
 * `::ffff:8.8.8.8`), so IPv6 text is first put in the WHATWG URL serialisation (hex groups only),
 * which names the address a connection would really reach. IPv4-mapped addresses are then judged
 * as the IPv4 address they stand for.
 */
function parseAddress(text: string): Address | undefined {
  const family = isIP(text);
  if (family === 0) return undefined;
  try {
    const canonical = family === 6 ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text;
    return ipaddr.process(canonical);
  } catch {
    // A form URLs cannot carry (an IPv6 zone id): not an address a webhook may use.
    return undefined;
  }
}

function isPublic(address: Address): boolean {
  if (address.kind() === 'ipv4') return address.range() === 'unicast';
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'rfc6052' && !v6.match(WELL_KNOWN_NAT64)) return false;
  if (EMBEDS_IPV4_IN_LOW_BITS.has(range)) {
    const embedded = embeddedIpv4(v6);
    return !isMetadata(embedded) && isPublic(embedded);
  }
  return range === 'unicast' && v6.match(GLOBAL_UNICAST_V6);
}

function isMetadata(address: Address): boolean {
  if (METADATA.has(address.toNormalizedString())) return true;
  if (address.kind() === 'ipv6' && EMBEDS_IPV4_IN_LOW_BITS.has(address.range())) return isMetadata(embeddedIpv4(address as ipaddr.IPv6));
  return false;
}

function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12) as [number, number, number, number]);
}

function normaliseRange([address, bits]: [Address, number]): [Address, number] {
  // An IPv4-mapped CIDR (::ffff:10.0.0.0/104) admits the IPv4 addresses it maps.
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}

function sameKind(a: Address, b: Address): boolean {
  return a.kind() === b.kind();
}

function hostKey(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** Every A and AAAA address of `hostname`, as the system resolver (and /etc/hosts) has them. */
function resolveAll(hostname: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // getaddrinfo cannot be cancelled; past the timeout its answer is ignored.
    const timer = setTimeout(() => reject(Object.assign(new Error(`DNS lookup of ${hostname} timed out`), { code: 'ETIMEOUT' })), DNS_TIMEOUT_MS);
    timer.unref();
    dnsLookup(hostname, { all: true, order: 'verbatim' }, (error, addresses) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(addresses.map((entry) => entry.address));
    });
  });
}
