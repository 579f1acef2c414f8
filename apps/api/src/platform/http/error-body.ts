import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError } from '@pl/domain';
import { ConcurrencyRetriesExhaustedError, ProjectionStuckError, ProjectionTimeoutError } from '@pl/application';
import { AppendTooLargeError, EventStoreUnavailableError, StreamDeletedError, WrongExpectedRevisionError } from '@pl/eventstore';
import { JSON_MAX_DEPTH } from './json-limits';

/** The one error body: `{ error, message, details }`. Never a stack trace, never personal data. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly details: unknown;
}

/** An answer decided before the route ran, with its own status and body (e.g. an Idempotency-Key refusal or a replayed error). */
export class ErrorAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body.message);
    this.name = 'ErrorAnswer';
  }
}

const DOMAIN_STATUS: Record<DomainError['code'], number> = {
  invalid: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  precondition: HttpStatus.UNPROCESSABLE_ENTITY,
  forbidden: HttpStatus.FORBIDDEN,
};

const FASTIFY_CODES: Record<string, { status: number; error: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: 'payload_too_large', message: 'request body exceeds the size limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, error: 'unsupported_media_type', message: 'send JSON with Content-Type: application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, error: 'bad_request', message: 'empty JSON body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, error: 'bad_request', message: 'malformed JSON body' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: 'bad_request', message: 'invalid Content-Length' },
  PL_JSON_TOO_DEEP: { status: 400, error: 'bad_request', message: `JSON body nests deeper than ${JSON_MAX_DEPTH} levels` },
};

const STATUS_NAMES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

export function toErrorResponse(e: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (e instanceof ErrorAnswer) return { status: e.status, body: e.body, internal: false };
  if (e instanceof DomainError) {
    const status = DOMAIN_STATUS[e.code];
    return { status, body: { error: e.code, message: e.message, details: e.details ?? null }, internal: false };
  }
  if (e instanceof HttpException) {
    const status = e.getStatus();
    const res = e.getResponse() as string | { message?: unknown; details?: unknown; error?: string };
    const message = typeof res === 'string' ? res : Array.isArray(res.message) ? 'request validation failed' : String(res.message ?? e.message);
    const details = typeof res === 'object' ? (res.details ?? (Array.isArray(res.message) ? res.message : null)) : null;
    return { status, body: { error: STATUS_NAMES[status] ?? 'error', message, details }, internal: false };
  }
  if (e instanceof WrongExpectedRevisionError || e instanceof ConcurrencyRetriesExhaustedError) {
    return { status: 409, body: { error: 'conflict', message: 'concurrent modification, retry the request', details: null }, internal: false };
  }
  if (e instanceof StreamDeletedError) {
    return { status: 410, body: { error: 'gone', message: 'this record was deleted from the log for good; nothing can be recorded on it', details: null }, internal: false };
  }
  if (e instanceof AppendTooLargeError) {
    return { status: 413, body: { error: 'payload_too_large', message: 'the change is larger than the event store accepts in one append; nothing was recorded', details: null }, internal: false };
  }
  if (e instanceof EventStoreUnavailableError) {
    const message = e.outcomeUnknown
      ? 'the event store did not confirm the change in time: it may or may not be recorded; retry with the same Idempotency-Key'
      : 'the event store is unavailable (no leader or no connection); nothing was recorded; retry';
    return { status: 503, body: { error: 'service_unavailable', message, details: { reason: e.reason, outcome_unknown: e.outcomeUnknown } }, internal: false };
  }
  if (e instanceof ProjectionStuckError) {
    return {
      status: 503,
      body: {
        error: 'service_unavailable',
        message: `read model ${e.projection} is stuck and does not show recent changes (a change you made is recorded); operators see it on /health`,
        details: { projection: e.projection, stuck: true, error_class: e.errorClass },
      },
      internal: false,
    };
  }
  if (e instanceof ProjectionTimeoutError) {
    return {
      status: 503,
      body: { error: 'service_unavailable', message: 'the change was recorded but the read model is lagging; retry the read', details: { projection: e.projection } },
      internal: false,
    };
  }
  const code = (e as { code?: string })?.code;
  if (code && FASTIFY_CODES[code]) {
    const f = FASTIFY_CODES[code];
    return { status: f.status, body: { error: f.error, message: f.message, details: null }, internal: false };
  }
  const statusCode = (e as { statusCode?: number })?.statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, body: { error: STATUS_NAMES[statusCode] ?? 'bad_request', message: 'bad request', details: null }, internal: false };
  }
  return { status: 500, body: { error: 'internal_error', message: 'internal error', details: null }, internal: true };
}
