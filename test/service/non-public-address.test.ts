import { describe, expect, it } from 'vitest';
import { nonPublicAddressKind } from '../../src/service/non-public-address.js';

describe('nonPublicAddressKind', () => {
  const cases: Array<[string, string | undefined]> = [
    ['8.8.8.8', undefined],
    ['2001:4860:4860::8888', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    // IPv4-mapped IPv6, in both spellings: the IPv4 rules apply.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    // IPv4-compatible and NAT64 forms hide an IPv4 address: refused rather than unpacked.
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b::a00:1', 'reserved'],
    ['not-an-ip', 'invalid'],
  ];
  for (const [address, kind] of cases) {
    it(`${address} is ${kind ?? 'public'}`, () => {
      expect(nonPublicAddressKind(address)).toBe(kind);
    });
  }
});
