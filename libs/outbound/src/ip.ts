import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as a number: 32 bits for IPv4, 128 for IPv6. */
export interface Ip {
  readonly version: 4 | 6;
  readonly value: bigint;
}

export interface Cidr {
  readonly version: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
}

/** Parses a canonical address as resolvers and WHATWG URL hosts give it (brackets and zone id dropped); null if not an IP. */
export function parseIp(text: string): Ip | null {
  const s = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(s)) return { version: 4, value: v4(s) };
  if (isIPv6(s)) return { version: 6, value: v6(s) };
  return null;
}

function v4(s: string): bigint {
  return s.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6(s: string): bigint {
  let text = s;
  const tail: string[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = v4(dotted[1]);
    tail.push((n >> 16n).toString(16), (n & 0xffffn).toString(16));
    text = text.slice(0, -dotted[1].length);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const parts = text.includes('::') ? text.split('::') : [text];
  const left = parts[0] ? parts[0].split(':') : [];
  const right = parts.length > 1 && parts[1] ? parts[1].split(':') : [];
  const fill = parts.length > 1 ? 8 - tail.length - left.length - right.length : 0;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right, ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** `a.b.c.d/n`, `x::y/n`, or a bare address (a /32 or /128); null if malformed. */
export function parseCidr(text: string): Cidr | null {
  const [addr, len, extra] = text.split('/');
  if (extra !== undefined) return null;
  const ip = parseIp(addr);
  if (!ip || addr.includes('[') || addr.includes('%')) return null;
  const max = ip.version === 4 ? 32 : 128;
  const bits = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= max)) return null;
  return { version: ip.version, base: ip.value & mask(ip.version, bits), bits };
}

export function inCidr(ip: Ip, cidr: Cidr): boolean {
  return ip.version === cidr.version && (ip.value & mask(ip.version, cidr.bits)) === cidr.base;
}

function mask(version: 4 | 6, bits: number): bigint {
  const width = version === 4 ? 32n : 128n;
  return ((1n << width) - 1n) ^ ((1n << (width - BigInt(bits))) - 1n);
}

export function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}
