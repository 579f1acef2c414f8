import { parseCidr, type Cidr } from './ip';

/** Why an address is not a public destination. `public` is everything else. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'link-local'
  | 'private'
  | 'shared'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved';

/** Never a destination, whatever the allow-list says: no single host answers there. */
export const NEVER_ALLOWED: ReadonlySet<AddressClass> = new Set(['unspecified', 'multicast', 'broadcast']);

interface Range {
  readonly cidr: string;
  readonly class: AddressClass;
  readonly source: string;
}

/**
 * Special-purpose blocks from the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890,
 * as updated; registry read 2026-12-02), most specific first. Blocks the registry marks globally
 * reachable (AS112, AMT, 192.0.0.9/10) are left out: nothing legitimate is served there either, and
 * refusing them keeps the table short.
 */
const V4: readonly Range[] = [
  { cidr: '0.0.0.0/8', class: 'unspecified', source: 'RFC 791 s3.2 ("this network"); connecting to 0.0.0.0 reaches the local host' },
  { cidr: '10.0.0.0/8', class: 'private', source: 'RFC 1918' },
  { cidr: '100.64.0.0/10', class: 'shared', source: 'RFC 6598 (carrier-grade NAT)' },
  { cidr: '127.0.0.0/8', class: 'loopback', source: 'RFC 1122 s3.2.1.3' },
  { cidr: '169.254.0.0/16', class: 'link-local', source: 'RFC 3927 (cloud metadata at 169.254.169.254)' },
  { cidr: '172.16.0.0/12', class: 'private', source: 'RFC 1918' },
  { cidr: '192.0.0.0/24', class: 'reserved', source: 'RFC 6890 (IETF protocol assignments)' },
  { cidr: '192.0.2.0/24', class: 'documentation', source: 'RFC 5737 (TEST-NET-1)' },
  { cidr: '192.88.99.0/24', class: 'reserved', source: 'RFC 7526 (deprecated 6to4 relay anycast)' },
  { cidr: '192.168.0.0/16', class: 'private', source: 'RFC 1918' },
  { cidr: '198.18.0.0/15', class: 'benchmarking', source: 'RFC 2544' },
  { cidr: '198.51.100.0/24', class: 'documentation', source: 'RFC 5737 (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', class: 'documentation', source: 'RFC 5737 (TEST-NET-3)' },
  { cidr: '224.0.0.0/4', class: 'multicast', source: 'RFC 5771' },
  { cidr: '255.255.255.255/32', class: 'broadcast', source: 'RFC 919, RFC 8190' },
  { cidr: '240.0.0.0/4', class: 'reserved', source: 'RFC 1112 s4 (future use)' },
];

/**
 * IPv6 outside 2000::/3 is not global unicast (RFC 4291 s2.4, IANA IPv6 Address Space) and is refused
 * as `reserved` unless listed here with a narrower class. Forms that embed an IPv4 address
 * (mapped, compatible, NAT64, 6to4) are judged by the embedded address in `classify.ts`.
 */
const V6: readonly Range[] = [
  { cidr: '::/128', class: 'unspecified', source: 'RFC 4291 s2.5.2' },
  { cidr: '::1/128', class: 'loopback', source: 'RFC 4291 s2.5.3' },
  { cidr: '64:ff9b:1::/48', class: 'private', source: 'RFC 8215 (local-use NAT64)' },
  { cidr: '100::/64', class: 'reserved', source: 'RFC 6666 (discard-only)' },
  { cidr: '2001:db8::/32', class: 'documentation', source: 'RFC 3849' },
  { cidr: '2001:2::/48', class: 'benchmarking', source: 'RFC 5180' },
  { cidr: '2001::/23', class: 'reserved', source: 'RFC 2928 (IETF protocol assignments: Teredo, ORCHID, ...)' },
  { cidr: '3fff::/20', class: 'documentation', source: 'RFC 9637' },
  { cidr: 'fc00::/7', class: 'private', source: 'RFC 4193 (unique local)' },
  { cidr: 'fe80::/10', class: 'link-local', source: 'RFC 4291 s2.5.6' },
  { cidr: 'fec0::/10', class: 'private', source: 'RFC 3879 (deprecated site-local)' },
  { cidr: 'ff00::/8', class: 'multicast', source: 'RFC 4291 s2.7' },
];

export interface ParsedRange {
  readonly cidr: Cidr;
  readonly class: AddressClass;
}

const parse = (ranges: readonly Range[]): ParsedRange[] => ranges.map((r) => ({ cidr: parseCidr(r.cidr)!, class: r.class }));

export const V4_RANGES = parse(V4);
export const V6_RANGES = parse(V6);
export const V6_GLOBAL_UNICAST = parseCidr('2000::/3')!;
/** RFC 4291 s2.5.5.2 (mapped), s2.5.5.1 (compatible, deprecated), RFC 6052 (NAT64 well-known prefix), RFC 3056 (6to4). */
export const V6_EMBEDDING_V4 = {
  mapped: parseCidr('::ffff:0:0/96')!,
  compatible: parseCidr('::/96')!,
  nat64: parseCidr('64:ff9b::/96')!,
  sixToFour: parseCidr('2002::/16')!,
};
