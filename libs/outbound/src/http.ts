import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { parseIp } from './ip';
import { OutboundRefused, type OutboundPolicy, type ResolvedAddress, type VettedTarget } from './policy';

/**
 * What an outbound call ended with, as callers may record and show it: a class, never the
 * low-level error text (which would tell a caller which internal ports answer).
 */
export type OutboundOutcome = 'refused_destination' | 'name_not_resolved' | 'invalid_url' | 'connection_failed' | 'timeout' | 'response_too_large' | `http_${number}`;

export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** Whole call: resolution, connection, request and response body. */
  readonly timeoutMs: number;
  readonly maxResponseBytes?: number;
}

export interface OutboundResult {
  readonly outcome: OutboundOutcome;
  /** True for a 2xx answer. Redirects are never followed: a 3xx is an answer like any other. */
  readonly ok: boolean;
  readonly status: number | null;
  readonly body: Buffer | null;
  /** The address the socket connected to (always one of the vetted ones). */
  readonly remoteAddress: string | null;
  /** Node's error code (ECONNREFUSED, ...) for the operator's log only; never store or return it to callers. */
  readonly errorCode: string | null;
}

/** Opens the request; tests inject one that records every attempt. */
export type RequestFn = (options: RequestOptions & { protocol: string }) => ClientRequest;

export const nodeRequest: RequestFn = (options) => (options.protocol === 'https:' ? httpsRequest(options) : httpRequest(options));

/**
 * One HTTP call under the outbound policy: the host is vetted (resolved once, every address checked),
 * the socket can connect only to a vetted address (pinned lookup; the connected address is checked
 * again), redirects are not followed, and a fresh connection is used each time (no pooled socket
 * to an address vetted earlier).
 */
export async function sendOutbound(policy: OutboundPolicy, url: string | URL, req: OutboundRequest, open: RequestFn = nodeRequest): Promise<OutboundResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), req.timeoutMs);
  try {
    const target = await Promise.race([policy.vet(url), aborted(controller.signal)]);
    return await exchange(target, req, open, controller.signal, policy.ca);
  } catch (e) {
    return failure(e, controller.signal.aborted);
  } finally {
    clearTimeout(timer);
  }
}

function exchange(target: VettedTarget, req: OutboundRequest, open: RequestFn, signal: AbortSignal, ca: readonly string[] | undefined): Promise<OutboundResult> {
  const { url } = target;
  const limit = req.maxResponseBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const r = open({
      protocol: url.protocol,
      hostname: target.hostname,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: withoutHost(req.headers),
      lookup: pinnedLookup(target.addresses),
      agent: false,
      signal,
      // HTTPS: SNI and certificate check use the URL's host name (Node's defaults, never disabled here)
      ...(url.protocol === 'https:' && ca ? { ca: [...ca] } : {}),
    });
    let remoteAddress: string | null = null;
    r.on('socket', (socket: Socket) => {
      socket.once('connect', () => {
        remoteAddress = socket.remoteAddress ?? null;
        if (!target.addresses.some((a) => sameAddress(a.address, remoteAddress))) {
          socket.destroy(new OutboundRefused('refused_destination', 'connected to an address that was not vetted'));
        }
      });
    });
    r.on('error', reject);
    r.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) return void res.destroy(Object.assign(new Error('response too large'), { code: 'RESPONSE_TOO_LARGE' }));
        chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ outcome: `http_${status}`, ok: status >= 200 && status < 300, status, body: Buffer.concat(chunks), remoteAddress, errorCode: null });
      });
    });
    r.end(req.body);
  });
}

/** Host is the URL's name: a caller's Host would change the SNI name and the name the certificate is checked against. */
function withoutHost(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  return headers && Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'host'));
}

/** Answers every lookup with the vetted addresses: nothing is resolved a second time. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return ((_host: string, options: { family?: number | string; all?: boolean } | number, callback: (...args: unknown[]) => void) => {
    const family = typeof options === 'number' ? options : Number(options?.family ?? 0) || 0;
    const usable = addresses.filter((a) => !family || a.family === family);
    if (!usable.length) return callback(Object.assign(new Error('no vetted address for this family'), { code: 'ENOTFOUND' }));
    if (typeof options === 'object' && options?.all) return callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
    callback(null, usable[0].address, usable[0].family);
  }) as unknown as LookupFunction;
}

function sameAddress(a: string, b: string | null): boolean {
  const x = parseIp(a);
  const y = b === null ? null : parseIp(b);
  return !!x && !!y && x.version === y.version && x.value === y.value;
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('timeout'), { name: 'AbortError' })), { once: true }));
}

function failure(e: unknown, timedOut: boolean): OutboundResult {
  const base = { ok: false, status: null, body: null, remoteAddress: null };
  if (e instanceof OutboundRefused) return { ...base, outcome: e.outcome, errorCode: null };
  const code = (e as { code?: string })?.code ?? (e as Error)?.name ?? null;
  if (timedOut || (e as Error)?.name === 'AbortError') return { ...base, outcome: 'timeout', errorCode: code };
  if (code === 'RESPONSE_TOO_LARGE') return { ...base, outcome: 'response_too_large', errorCode: code };
  return { ...base, outcome: 'connection_failed', errorCode: typeof code === 'string' ? code.slice(0, 40) : null };
}
