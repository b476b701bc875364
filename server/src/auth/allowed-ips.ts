// An API key's allow-list: IPv4 and IPv6 addresses and CIDR ranges. Matching uses node's
// BlockList, which also matches an IPv4-mapped IPv6 client (::ffff:203.0.113.7, what a dual-stack
// listener reports for an IPv4 peer) against IPv4 rules.
import { BlockList, isIP } from 'node:net';
import { ApiError, type FieldError } from '../http/problem.ts';

// An address (no zone id: a rule names networks, not interfaces), then an optional prefix length.
const CIDR = /^([0-9a-f.:]+)(?:\/(\d{1,3}))?$/;

/**
 * The rules as stored and shown: each a CIDR (a bare address gets /32 or /128), lower-case.
 * Throws E1001 naming every entry that is not an address or range.
 */
export function normaliseAllowedIps(entries: readonly string[]): string[] {
  const errors: FieldError[] = [];
  const rules = entries.map((entry, index) => {
    const rule = toRule(entry);
    if (rule === undefined) errors.push({ path: `/allowed_ips/${index}`, message: 'is not an IPv4 or IPv6 address or CIDR range' });
    return rule;
  });
  if (errors.length > 0) throw new ApiError('E1001', 'An allowed_ips entry is not valid.', { errors });
  return [...new Set(rules as string[])];
}

/** The matcher for stored rules; undefined when there are none, which means anywhere. */
export function allowList(rules: readonly string[]): BlockList | undefined {
  if (rules.length === 0) return undefined;
  const list = new BlockList();
  for (const rule of rules) {
    const [address, bits] = rule.split('/') as [string, string];
    list.addSubnet(address, Number(bits), isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** Whether a client address is inside the list; anything that is not an address is not. */
export function isAllowed(list: BlockList, clientIp: string): boolean {
  const family = isIP(clientIp);
  return family !== 0 && list.check(clientIp, family === 4 ? 'ipv4' : 'ipv6');
}

function toRule(entry: string): string | undefined {
  const match = CIDR.exec(entry.trim().toLowerCase());
  if (!match) return undefined;
  const address = match[1]!;
  const family = isIP(address);
  if (family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  const bits = match[2] === undefined ? max : Number(match[2]);
  return bits <= max ? `${address}/${bits}` : undefined;
}
