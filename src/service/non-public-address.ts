import { BlockList, isIP } from 'node:net';

/**
 * Address ranges a URL from a chat message must not lead the bot into: its
 * own host, the networks behind it, cloud metadata (169.254.169.254).
 * Node's BlockList matches IPv4 rules against IPv4-mapped IPv6 addresses
 * (::ffff:127.0.0.1) too, so one rule covers both spellings.
 */
const RANGES: ReadonlyArray<[kind: string, subnets: ReadonlyArray<[string, number]>]> = [
  [
    'unspecified',
    [
      ['0.0.0.0', 8],
      ['::', 128],
    ],
  ],
  [
    'loopback',
    [
      ['127.0.0.0', 8],
      ['::1', 128],
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      // Carrier-grade NAT (RFC 6598): private in practice.
      ['100.64.0.0', 10],
      // Deprecated site-local IPv6.
      ['fec0::', 10],
    ],
  ],
  [
    'link-local',
    [
      ['169.254.0.0', 16],
      ['fe80::', 10],
    ],
  ],
  ['unique-local', [['fc00::', 7]]],
  [
    'multicast',
    [
      ['224.0.0.0', 4],
      ['ff00::', 8],
    ],
  ],
  [
    'reserved',
    [
      ['192.0.0.0', 24],
      ['198.18.0.0', 15],
      ['240.0.0.0', 4],
      // IPv4-compatible (deprecated) and translated forms embed an IPv4 address we would not check.
      ['::', 96],
      ['64:ff9b::', 96],
      ['64:ff9b:1::', 48],
      ['2002::', 16],
    ],
  ],
];

const LISTS: ReadonlyArray<[string, BlockList]> = RANGES.map(([kind, subnets]) => {
  const list = new BlockList();
  for (const [net, prefix] of subnets)
    list.addSubnet(net, prefix, isIP(net) === 6 ? 'ipv6' : 'ipv4');
  return [kind, list];
});

/**
 * What kind of non-public address this is ('loopback', 'private', …), or
 * undefined for a public one. Anything that is not an IP address counts as
 * 'invalid', so a surprise never passes as public.
 */
export function nonPublicAddressKind(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'invalid';
  const type = family === 6 ? 'ipv6' : 'ipv4';
  return LISTS.find(([, list]) => list.check(address, type))?.[0];
}
