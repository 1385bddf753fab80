import { describe, expect, it } from 'vitest';
import { addressBucket, createClientAddressResolver, isAddressOrCidr } from './client-ip.js';

describe('client address', () => {
  it('ignores X-Forwarded-For unless the connection comes from a trusted proxy', () => {
    const untrusting = createClientAddressResolver([]);
    expect(untrusting('203.0.113.9', '1.1.1.1')).toBe('203.0.113.9');
    const resolve = createClientAddressResolver(['10.0.0.0/8', '::1']);
    expect(resolve('203.0.113.9', '1.1.1.1')).toBe('203.0.113.9');
    expect(resolve('10.1.2.3', '198.51.100.7')).toBe('198.51.100.7');
    // A client-supplied first entry is not believed: the rightmost untrusted hop is the client.
    expect(resolve('10.1.2.3', '6.6.6.6, 198.51.100.7, 10.9.9.9')).toBe('198.51.100.7');
    expect(resolve('::ffff:10.1.2.3', 'garbage, 198.51.100.7')).toBe('198.51.100.7');
    expect(resolve('::1', '2001:db8::1')).toBe('2001:db8::1');
    expect(resolve('10.1.2.3', undefined)).toBe('10.1.2.3');
  });

  it('groups IPv6 clients by /64 and leaves IPv4 alone', () => {
    expect(addressBucket('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0db8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8:1:2::ffff')).toBe(addressBucket('2001:db8:1:2:1:2:3:4'));
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('::ffff:1.2.3.4')).toBe('0:0:0:0::/64');
    expect(addressBucket('192.0.2.1')).toBe('192.0.2.1');
    expect(addressBucket(null)).toBe('unknown');
  });

  it('validates trusted-proxy entries', () => {
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32'])
      expect(isAddressOrCidr(ok)).toBe(true);
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '2001:db8::/129', ''])
      expect(isAddressOrCidr(bad)).toBe(false);
  });
});
