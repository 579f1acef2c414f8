import type { Attributes, Context, Link, Span, SpanContext } from '@opentelemetry/api';
import type { RecordedEvent } from '@pl/domain';
import { errorClassOf } from '../projections/faults';

/**
 * The domain spans (command, append, consumer batch, relay send) over the OpenTelemetry API. Off
 * until the composition root started the SDK (apps/common/tracing.ts): then every helper here is a
 * flag test and nothing else, so tracing off adds no span, no context lookup, no metadata field.
 * Span names and attributes carry types, names of consumers and counts, never a stream id, a key or
 * an error message (they can hold personal data).
 */
let enabled = false;

/** Loaded on first use, once tracing is on: off, the API module is never loaded (~0.5 MiB of heap). */
const otel = (): typeof import('@opentelemetry/api') => require('@opentelemetry/api');

/** The API's SpanKind values, without loading it. */
export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;

export function setDomainTracing(on: boolean): void {
  enabled = on;
}

export const domainTracingOn = (): boolean => enabled;

export interface SpanOptions {
  readonly kind?: (typeof SpanKind)[keyof typeof SpanKind];
  readonly attributes?: Attributes;
  /** Default: the active context. */
  readonly parent?: Context;
  readonly links?: Link[];
}

/** Runs `fn` in an active span when tracing is on (an error marks it by class only), else just runs it. */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span | null) => Promise<T>): Promise<T> {
  if (!enabled) return fn(null);
  const { trace, context, SpanStatusCode } = otel();
  const { parent, ...start } = options;
  return trace.getTracer('privacy-ledger').startActiveSpan(name, start, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorClassOf(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C `traceparent` of the active span (kept in event metadata), or null when tracing is off or no span is active. */
export function currentTraceparent(): string | null {
  if (!enabled) return null;
  const { trace } = otel();
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return null;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A stored `traceparent` as a remote span context; null when absent or malformed (old events, tracing off when recorded). */
export function spanContextOf(traceparent: unknown): SpanContext | null {
  const m = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return null;
  return { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true };
}

/** `traceparent` of an event's metadata when well-formed (what the relay copies into the Kafka header). */
export function traceparentOf(e: RecordedEvent): string | null {
  return spanContextOf(e.metadata.traceparent) ? (e.metadata.traceparent as string) : null;
}

/**
 * Where a span for one event's onward delivery goes (a webhook POST): a child of the event's stored
 * `traceparent`, or a root span when it has none (never the context of whatever loop runs it).
 */
export function eventSpanParent(traceparent: unknown): { parent?: Context } {
  if (!enabled) return {};
  const { trace, ROOT_CONTEXT } = otel();
  const sc = spanContextOf(traceparent);
  return { parent: sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT };
}

/**
 * Where a consumer's batch span goes: a child of the events' context when every traced event of the
 * batch belongs to one trace (one command's events, the usual case when caught up), else a root span
 * linked to each distinct context (a batch mixing several requests belongs to none of them).
 */
export function batchSpanOptions(events: readonly RecordedEvent[]): { parent?: Context; links?: Link[] } {
  if (!enabled) return {};
  const { trace, ROOT_CONTEXT } = otel();
  const contexts = new Map<string, SpanContext>();
  for (const e of events) {
    const sc = spanContextOf(e.metadata.traceparent);
    if (sc) contexts.set(`${sc.traceId}-${sc.spanId}`, sc);
  }
  const all = [...contexts.values()];
  if (all.length && all.every((sc) => sc.traceId === all[0].traceId)) {
    return { parent: trace.setSpanContext(ROOT_CONTEXT, all[0]), links: all.slice(1).map((sc) => ({ context: sc })) };
  }
  return { parent: ROOT_CONTEXT, links: all.map((sc) => ({ context: sc })) };
}
