import { BlockList, isIP } from 'node:net';

/**
 * The client's address for rate limits and the audit log. `X-Forwarded-For` is believed only when
 * the connection comes from a configured trusted proxy, and then only up to the first hop that is
 * not one (the rightmost untrusted entry), so a client cannot choose its own address.
 */
export function createClientAddressResolver(
  trustedProxies: string[],
): (remote: string | null, forwardedFor: string | undefined) => string | null {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) trusted.addAddress(address as string, family);
    else trusted.addSubnet(address as string, Number(prefix), family);
  }
  const isTrusted = (ip: string): boolean => {
    const plain = unmapIpv4(ip);
    const family = isIP(plain);
    return family !== 0 && trusted.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (remote, forwardedFor) => {
    if (remote === null) return null;
    if (trustedProxies.length === 0 || forwardedFor === undefined || !isTrusted(remote))
      return unmapIpv4(remote);
    const hops = forwardedFor
      .split(',')
      .map((hop) => hop.trim())
      .filter((hop) => isIP(hop) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (!isTrusted(hop)) return unmapIpv4(hop);
    }
    return unmapIpv4(hops[0] ?? remote);
  };
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is just 1.2.3.4. */
function unmapIpv4(ip: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return match ? (match[1] as string) : ip;
}

/** Validates a trusted-proxy entry (an IP or a CIDR). */
export function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

/**
 * The rate-limit bucket of an address: IPv4 as is, IPv6 by its /64 (one customer usually gets a
 * whole /64, so rotating the low bits must not buy fresh budgets).
 */
export function addressBucket(ip: string | null): string {
  if (ip === null) return 'unknown';
  if (isIP(ip) !== 6) return ip;
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(ip: string): string[] {
  let address = ip.split('%')[0] as string;
  // An embedded IPv4 tail (::1.2.3.4) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    address =
      address.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}
