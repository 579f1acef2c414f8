import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { newIdempotencyScope, type IdempotencyScope } from '@pl/application';
import { positionToString } from '@pl/domain';
import type { Infrastructure } from '../../../../common/infrastructure';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { ErrorAnswer, toErrorResponse, type ErrorBody } from '../http/error-body';
import type { Metrics } from '../../../../common/metrics';
import { INFRA, METRICS } from '../tokens';
import { IDEMPOTENCY_HEADER, IdempotencyKeys, parseIdempotencyKey, requestFingerprint } from './idempotency-key';
import { IdempotencyStore } from './idempotency-store';

export type IdempotentRequest = FastifyRequest & AuthenticatedRequest & { idempotency?: IdempotencyScope };

const COMMAND_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Answers a retry should not get again: it should run again (the events already recorded are found, not re-appended). */
const TRANSIENT = new Set([401, 403, 408, 409, 425, 429]);
export const REPLAYED_HEADER = 'idempotent-replayed';
export const DOCS_LINK = '<https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/>; rel="describedby"';
/** Test hook: the crash tests kill the process here, after the append and before the answer is stored. */
const KILL_BEFORE_ANSWER = 'PL_TEST_KILL_BEFORE_IDEMPOTENT_ANSWER';

const keepable = (status: number) => status < 500 && !TRANSIENT.has(status);

/**
 * `Idempotency-Key` on every command route (POST, PUT, PATCH, DELETE), after
 * draft-ietf-httpapi-idempotency-key-header: the first request with a key runs and its answer is
 * stored; a retry with the same payload gets that answer again (`Idempotent-Replayed: true`); the
 * same key with another payload 422; while the first is still running 409. Keys are scoped per API
 * key. The events a request appends carry its claim, so a retry after a crash between the append
 * and the stored answer is answered from the recorded events (handleCommand) and appends nothing.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly keys: IdempotencyKeys;

  constructor(
    private readonly store: IdempotencyStore,
    @Inject(INFRA) infra: Infrastructure,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {
    this.keys = new IdempotencyKeys(infra.config.pseudonymSecret);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<IdempotentRequest>();
    if (!COMMAND_METHODS.has(req.method)) return next.handle();
    const key = parseIdempotencyKey(req.headers[IDEMPOTENCY_HEADER]);
    if (key === null) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const caller = req.principal?.keyId ?? 'anonymous';
    const keyHash = this.keys.hash(caller, key);
    const fingerprint = requestFingerprint({ method: req.method, url: req.url, body: req.body, gpc: req.headers['sec-gpc'] });
    const claim = await this.store.claim(keyHash, caller, fingerprint, new Date());
    this.metrics.idempotencyRequests.inc({ outcome: claim.kind });
    switch (claim.kind) {
      case 'mismatch':
        throw refusal(422, 'idempotency_key_reused', 'this Idempotency-Key was used for another request (method, path or body differ); send a new key for a new request');
      case 'in_progress':
        throw refusal(409, 'idempotency_key_in_use', 'a request with this Idempotency-Key is still being processed; retry later', { 'retry-after': String(claim.retryAfterSeconds) });
      case 'replay': {
        const stored = JSON.parse(this.keys.open(caller, key, claim.sealed)) as { body?: unknown };
        void reply.header(REPLAYED_HEADER, 'true');
        if (claim.status >= 400) throw new ErrorAnswer(claim.status, stored.body as ErrorBody, { [REPLAYED_HEADER]: 'true' });
        return from([stored.body]);
      }
      case 'run':
        break;
    }
    const scope = newIdempotencyScope(claim.claim);
    req.idempotency = scope;
    const positions = () => scope.positions.map(positionToString);
    const answer = async (status: number, body: unknown) => {
      if (process.env[KILL_BEFORE_ANSWER] === '1' && scope.positions.length) process.kill(process.pid, 'SIGKILL');
      await this.store.complete(keyHash, claim.claim, status, this.keys.seal(caller, key, JSON.stringify({ body })), positions());
    };
    return from(
      (async () => {
        let body: unknown;
        try {
          body = await lastValueFrom(next.handle(), { defaultValue: undefined });
        } catch (e) {
          const { status, body: error } = toErrorResponse(e);
          if (keepable(status)) await answer(status, error);
          else await this.store.release(keyHash, claim.claim, positions(), new Date());
          throw e;
        }
        await answer(reply.statusCode, body);
        return body;
      })(),
    );
  }
}

function refusal(status: number, error: string, message: string, headers: Record<string, string> = {}): ErrorAnswer {
  return new ErrorAnswer(status, { error, message, details: { header: 'Idempotency-Key' } }, { link: DOCS_LINK, ...headers });
}
