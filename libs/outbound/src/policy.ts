import { lookup } from 'node:dns/promises';
import { classify, embeddedV4 } from './classify';
import { inCidr, parseCidr, parseIp, type Cidr, type Ip } from './ip';
import { NEVER_ALLOWED, type AddressClass } from './ranges';
import { trustStore } from './trust';

/** The operator's setting: private networks outbound calls may reach (ARCHITECTURE invariant 14). */
export const ALLOW_SETTING = 'OUTBOUND_ALLOWED_PRIVATE_NETWORKS';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Name -> addresses. Injected in tests so that no lookup or request ever leaves the machine. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export type RefusalOutcome = 'refused_destination' | 'name_not_resolved' | 'invalid_url';

/** A destination the policy refuses. The message names no address: callers may show it. */
export class OutboundRefused extends Error {
  override readonly name = 'OutboundRefused';
  constructor(readonly outcome: RefusalOutcome, message: string) {
    super(message);
  }
}

/** A URL whose host was checked, with the addresses that may be connected to (and only those). */
export interface VettedTarget {
  readonly url: URL;
  readonly hostname: string;
  readonly addresses: readonly ResolvedAddress[];
}

export interface AllowList {
  readonly networks: readonly Cidr[];
  readonly hostnames: ReadonlySet<string>;
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Parses the setting: comma- or space-separated CIDRs, addresses and host names. Throws naming the bad entry's position. */
export function parseAllowList(raw: string | null | undefined): AllowList {
  const networks: Cidr[] = [];
  const hostnames = new Set<string>();
  const entries = (raw ?? '').split(/[\s,]+/).filter(Boolean);
  entries.forEach((entry, i) => {
    const cidr = parseCidr(entry);
    if (cidr) return void networks.push(cidr);
    const name = normaliseHost(entry);
    if (HOSTNAME.test(name) && !/^[\d.]+$/.test(name)) return void hostnames.add(name);
    throw new Error(`${ALLOW_SETTING}: entry ${i + 1} is neither a CIDR (10.0.0.0/8, fd00::/8), an IP address nor a host name`);
  });
  return { networks, hostnames };
}

const normaliseHost = (host: string) => host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');

/**
 * Where outbound calls (webhooks, the timestamp authority, ...) may go: public addresses only,
 * unless an operator allow-lists a network or a host name. A host name is resolved and every address
 * it gives must pass; the caller then connects only to those addresses (see `sendOutbound`), so a
 * second, different DNS answer (rebinding) cannot redirect the connection.
 */
export class OutboundPolicy {
  /** The `ca` of every HTTPS call: undefined = Node's default store; else its roots plus the operator's CAs. */
  readonly ca: readonly string[] | undefined;

  constructor(
    private readonly allow: AllowList = { networks: [], hostnames: new Set() },
    private readonly resolve: HostResolver = systemResolver,
    extraCa: readonly string[] | null = null,
  ) {
    this.ca = trustStore(extraCa);
  }

  static fromSetting(raw: string | null | undefined, resolve?: HostResolver, extraCa?: readonly string[] | null): OutboundPolicy {
    return new OutboundPolicy(parseAllowList(raw), resolve, extraCa);
  }

  /** The class of a refused address, or null when it may be connected to. */
  refusal(address: string): AddressClass | null {
    const ip = parseIp(address);
    if (!ip) return 'reserved';
    const cls = classify(ip);
    if (cls === 'public' || (!NEVER_ALLOWED.has(cls) && this.allowListed(ip))) return null;
    return cls;
  }

  private allowListed(ip: Ip): boolean {
    const inner = embeddedV4(ip);
    const forms = inner?.kind === 'mapped' ? [ip, inner.ip] : [ip];
    return forms.some((f) => this.allow.networks.some((n) => inCidr(f, n)));
  }

  /**
   * At registration (webhook endpoints, the TSA URL): like `vet`, except that a host name the operator
   * allow-listed is accepted without resolving it; each call resolves and checks it again anyway.
   */
  async admit(target: string | URL): Promise<void> {
    const url = parseUrl(target);
    if (!this.allow.hostnames.has(normaliseHost(url.hostname))) await this.vet(url);
  }

  /** Checks scheme and credentials, resolves the host and checks every address; throws `OutboundRefused`. */
  async vet(target: string | URL): Promise<VettedTarget> {
    const url = parseUrl(target);
    const hostname = normaliseHost(url.hostname);
    const literal = parseIp(hostname);
    if (literal) {
      const cls = this.refusal(hostname);
      if (cls) throw new OutboundRefused('refused_destination', `url points at a ${cls} address, which outbound calls may not reach unless ${ALLOW_SETTING} allows it`);
      return { url, hostname, addresses: [{ address: hostname, family: literal.version }] };
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(hostname);
    } catch {
      throw new OutboundRefused('name_not_resolved', 'url host name does not resolve');
    }
    if (!addresses.length) throw new OutboundRefused('name_not_resolved', 'url host name does not resolve');
    const byName = this.allow.hostnames.has(hostname);
    if (!byName && addresses.some((a) => this.refusal(a.address))) {
      throw new OutboundRefused(
        'refused_destination',
        `url host name resolves to a loopback, link-local, private or reserved address, which outbound calls may not reach unless ${ALLOW_SETTING} allows it`,
      );
    }
    // Even an allow-listed name never gets an unspecified, multicast or broadcast address.
    if (byName && addresses.some((a) => NEVER_ALLOWED.has(classOf(a.address)))) {
      throw new OutboundRefused('refused_destination', 'url host name resolves to an address no outbound call may reach');
    }
    return { url, hostname, addresses };
  }
}

const classOf = (address: string): AddressClass => {
  const ip = parseIp(address);
  return ip ? classify(ip) : 'reserved';
};

function parseUrl(target: string | URL): URL {
  let url: URL;
  try {
    url = typeof target === 'string' ? new URL(target) : target;
  } catch {
    throw new OutboundRefused('invalid_url', 'url is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRefused('invalid_url', 'url must be http(s)');
  if (url.username || url.password) throw new OutboundRefused('invalid_url', 'url must not carry credentials');
  return url;
}
