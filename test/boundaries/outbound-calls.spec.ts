import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// ARCHITECTURE invariant 14: every outbound request goes through libs/outbound (vetted, pinned). The
// boundary tool sees imports only, not the global `fetch` or a call on a module object, so this scan
// reads the source of apps/, libs/ and projections/ for calls that would bypass the policy.

const ROOT = join(__dirname, '..', '..');
const SCANNED = ['apps', 'libs', 'projections'];

/** Not scanned: tests and their support, and client code that runs inside the services (not here). */
const SKIPPED = [/\.(spec|int|e2e)\.ts$/, /(^|\/)test\//, /^libs\/sdk\//];

/**
 * Files that may open connections themselves, each with why. kafkajs, pg, PGlite and
 * @eventstore/db-client are packages, not scanned source: they connect only to the brokers and
 * databases the operator configures (KAFKA_BROKERS, DATABASE_URL, EVENTSTORE_CONNECTION_STRING),
 * never to an address an API caller chose, so they need no entry here.
 */
const ALLOWED: Record<string, string> = {
  'libs/outbound/': 'the policy and its pinned HTTP client: the one place outbound calls are made',
  // the console runs in the viewer's browser, not in the service: its fetch calls go to the API that
  // served it (same origin, enforced by the console's Content-Security-Policy connect-src 'self')
  'apps/console/': "browser code: same-origin calls to the API that served it (CSP connect-src 'self')",
};

const HTTP_CLIENT_PACKAGES = 'undici|node-fetch|axios|got|superagent|ky|cross-fetch|isomorphic-fetch|needle|make-fetch-happen';
const NETWORK_MODULES = `(?:node:)?(?:http|https|http2|net|tls|dgram)|${HTTP_CLIENT_PACKAGES}`;

const PATTERNS: Array<[string, RegExp]> = [
  ['fetch(', /(?<![\w$.])fetch\s*\(|globalThis\s*\.\s*fetch\b/],
  ['http.request', /\b(?:http|https|http2)\s*\.\s*(?:request|get|connect)\s*\(/],
  ['net.connect', /\bnet\s*\.\s*(?:connect|createConnection)\s*\(/],
  ['tls.connect', /\btls\s*\.\s*connect\s*\(/],
  ['network module import', new RegExp(`\\bimport\\s+(?!type\\b)[^;]*?\\bfrom\\s*['"](?:${NETWORK_MODULES})['"]`)],
  ['network module require', new RegExp(`\\b(?:require|import)\\s*\\(\\s*['"](?:${NETWORK_MODULES})['"]`)],
  ['undici', /\bundici\b/],
];

/** Comments are not code (a doc comment may well mention fetch()); `//` inside 'http://...' is kept. */
const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

/** Which bypassing calls a source text makes. A file that binds its own `fetch` (a query helper) calls that one. */
function outboundCallsIn(source: string): string[] {
  const code = withoutComments(source);
  const ownFetch = /\b(?:const|let|var|function)\s+fetch\b/.test(code);
  return PATTERNS.filter(([name, re]) => !(name === 'fetch(' && ownFetch) && re.test(code)).map(([name]) => name);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|js|mjs|cjs)$/.test(e.name) && !SKIPPED.some((re) => re.test(path)) ? [path] : [];
  });
}

describe('outbound calls bypassing libs/outbound (ARCHITECTURE invariant 14)', () => {
  it('recognises each way of opening a connection, and not type-only imports, comments or a local fetch', () => {
    expect(outboundCallsIn(`const r = await fetch(url, { method: 'POST' });`)).toEqual(['fetch(']);
    expect(outboundCallsIn(`await globalThis.fetch(u)`)).toEqual(['fetch(']);
    expect(outboundCallsIn(`import * as https from 'node:https';\nhttps.request(o)`)).toEqual(['http.request', 'network module import']);
    expect(outboundCallsIn(`http.get('http://x')`)).toEqual(['http.request']);
    expect(outboundCallsIn(`net.createConnection({ port })`)).toEqual(['net.connect']);
    expect(outboundCallsIn(`tls.connect(443, host)`)).toEqual(['tls.connect']);
    expect(outboundCallsIn(`import { connect } from 'tls';`)).toEqual(['network module import']);
    expect(outboundCallsIn(`const { request } = await import('node:http');`)).toEqual(['network module require']);
    expect(outboundCallsIn(`const axios = require('axios');`)).toEqual(['network module require']);
    expect(outboundCallsIn(`import { request } from 'undici';`)).toEqual(['network module import', 'undici']);

    expect(outboundCallsIn(`import type { AddressInfo } from 'node:net';`)).toEqual([]);
    expect(outboundCallsIn(`/** never call fetch(url) here */\n// http.request(x)\nconst u = 'http://a/b';`)).toEqual([]);
    expect(outboundCallsIn(`const fetch = (n: number) => db.query(n);\nawait fetch(1);`)).toEqual([]);
    expect(outboundCallsIn(`this.fetch(1); rows.prefetch(2); client.request(o)`)).toEqual([]);
  });

  it('finds none in apps/, libs/ and projections/ outside libs/outbound, and every allow-list entry is still needed', () => {
    const files = SCANNED.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    const found = files.map((f) => ({ file: f, calls: outboundCallsIn(readFileSync(join(ROOT, f), 'utf8')) })).filter((f) => f.calls.length);
    const allowed = (file: string) => Object.keys(ALLOWED).some((prefix) => file.startsWith(prefix));
    expect(found.filter((f) => !allowed(f.file)).map((f) => `${f.file}: ${f.calls.join(', ')} (send it through sendOutbound from @pl/outbound)`)).toEqual([]);
    expect(Object.keys(ALLOWED).filter((prefix) => !found.some((f) => f.file.startsWith(prefix)))).toEqual([]);
  });
});
