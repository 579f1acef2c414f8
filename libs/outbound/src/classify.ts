import { inCidr, parseIp, type Ip } from './ip';
import { V4_RANGES, V6_EMBEDDING_V4, V6_GLOBAL_UNICAST, V6_RANGES, type AddressClass } from './ranges';

/** The class of an IP address (text as a resolver or a WHATWG URL host gives it); null if not an IP. */
export function classifyAddress(text: string): AddressClass | null {
  const ip = parseIp(text);
  return ip ? classify(ip) : null;
}

export function classify(ip: Ip): AddressClass {
  if (ip.version === 4) return V4_RANGES.find((r) => inCidr(ip, r.cidr))?.class ?? 'public';
  const listed = V6_RANGES.find((r) => inCidr(ip, r.cidr))?.class;
  if (listed) return listed;
  const embedded = embeddedV4(ip);
  if (embedded) {
    const inner = classify(embedded.ip);
    // Compatible addresses are deprecated (RFC 4291 s2.5.5.1): nothing public is reached through them.
    return inner === 'public' && embedded.kind === 'compatible' ? 'reserved' : inner;
  }
  return inCidr(ip, V6_GLOBAL_UNICAST) ? 'public' : 'reserved';
}

/** The IPv4 address an IPv6 address carries (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d, 2002:aabb:ccdd::). */
export function embeddedV4(ip: Ip): { ip: Ip; kind: keyof typeof V6_EMBEDDING_V4 } | null {
  if (ip.version !== 6) return null;
  const low32 = ip.value & 0xffffffffn;
  for (const kind of ['mapped', 'compatible', 'nat64'] as const) {
    if (inCidr(ip, V6_EMBEDDING_V4[kind])) return { ip: { version: 4, value: low32 }, kind };
  }
  if (inCidr(ip, V6_EMBEDDING_V4.sixToFour)) return { ip: { version: 4, value: (ip.value >> 80n) & 0xffffffffn }, kind: 'sixToFour' };
  return null;
}
