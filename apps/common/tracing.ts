import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { setDomainTracing } from '@pl/application/telemetry/tracing';

/**
 * Traces are on when the standard variables ask for an exporter (OTEL_TRACES_EXPORTER other than
 * `none`, OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or PL_TRACING=on, and
 * OTEL_SDK_DISABLED is not `true`. Off, the SDK is never loaded and the domain spans are a flag test.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (exporters.length) return exporters.some((e) => e !== 'none');
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.PL_TRACING === 'on');
}

export interface Tracing {
  shutdown(): Promise<void>;
}

let running: Tracing | null = null;

/** Query values replaced, names kept: a query string can carry a user id (`/consent/validate?user_id=...`). */
export function redactedQuery(query: string): string {
  return [...new URLSearchParams(query).keys()].map((k) => `${encodeURIComponent(k)}=REDACTED`).join('&');
}

/**
 * Starts the OpenTelemetry Node SDK for traces (metrics stay on prom-client's /metrics, logs on
 * pino): exporter, sampler, resource and propagators from the standard OTEL_* variables, or the
 * given exporter (tests: InMemorySpanExporter). Instruments HTTP (server and client spans) and pg,
 * and turns on the domain spans. Call before the HTTP server and pg are loaded (apps/*\/main.ts).
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env, options: { readonly exporter?: SpanExporter } = {}): Tracing | null {
  if (running) return running;
  if (!options.exporter && !tracingRequested(env)) return null;
  // loaded only when on: the SDK and its exporters weigh several MiB of heap
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const http = new HttpInstrumentation({
    // probes and scrapes are not traced
    ignoreIncomingRequestHook: (req) => /^\/(health|metrics)(\/|\?|$)/.test(req.url ?? ''),
    // no personal data in attributes: query values, the caller's address and user agent are not kept
    requestHook: (span, req) => {
      if (!('httpVersion' in req)) return; // an outgoing request: a service's endpoint, no subject's
      const url = req.url ?? '';
      const q = url.indexOf('?');
      if (q >= 0) {
        span.setAttribute('url.query', redactedQuery(url.slice(q + 1)));
        span.setAttribute('http.target', `${url.slice(0, q)}?${redactedQuery(url.slice(q + 1))}`);
      }
      for (const a of ['client.address', 'network.peer.address', 'net.peer.ip', 'http.client_ip', 'user_agent.original', 'http.user_agent']) span.setAttribute(a, 'redacted');
    },
  });
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'privacy-ledger',
    ...(options.exporter ? { spanProcessors: [new SimpleSpanProcessor(options.exporter)] } : {}),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      http,
      // statements as written (placeholders), never their values
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  const unpatch = patchLoadedBuiltins(http);
  setDomainTracing(true);
  const tracing: Tracing = {
    shutdown: async () => {
      setDomainTracing(false);
      unpatch();
      running = null;
      await sdk.shutdown();
    },
  };
  running = tracing;
  return tracing;
}

/**
 * The instrumentations patch modules as they are required; http and https loaded before the SDK
 * started (or through a loader that bypasses require hooks, like Jest's module registry) are patched
 * here, unless the require hook already did (a patched method is marked `__wrapped`).
 */
function patchLoadedBuiltins(instrumentation: { getModuleDefinitions(): Array<{ name: string; patch?: (exports: any) => unknown; unpatch?: (exports: any) => void }> }): () => void {
  const patched: Array<() => void> = [];
  for (const def of instrumentation.getModuleDefinitions()) {
    const exports = process.getBuiltinModule?.(def.name) as { Server?: { prototype: { emit: { __wrapped?: boolean } } } } | undefined;
    if (!exports?.Server || exports.Server.prototype.emit.__wrapped || !def.patch) continue;
    def.patch(exports);
    patched.push(() => def.unpatch?.(exports));
  }
  return () => patched.forEach((undo) => undo());
}

/** Flushes and stops the tracing started by this process, if any (shutdown). */
export function stopTracing(): Promise<void> {
  return running?.shutdown() ?? Promise.resolve();
}
