import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { CommandContext } from '@pl/application';
import type { AuthenticatedRequest } from './auth/api-key.guard';
import type { IdempotentRequest } from './idempotency/idempotency.interceptor';

const CORRELATION = /^[A-Za-z0-9._:-]{1,100}$/;

export function commandContextOf(req: AuthenticatedRequest): CommandContext {
  const header = req.headers['x-correlation-id'];
  const correlationId = typeof header === 'string' && CORRELATION.test(header) ? header : randomUUID();
  const idempotency = (req as Partial<IdempotentRequest>).idempotency;
  const ctx: { -readonly [K in keyof CommandContext]: CommandContext[K] } = { actor: req.principal?.actor ?? 'anonymous', correlationId, causationId: null, now: new Date() };
  if (idempotency) ctx.idempotency = idempotency;
  return ctx;
}

/** The CommandContext of this request: actor = the API key id or the signed-in person's actor id, correlation id from X-Correlation-Id or new, the Idempotency-Key's claim when sent. */
export const CommandCtx = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandContext =>
  commandContextOf(ctx.switchToHttp().getRequest<AuthenticatedRequest>()),
);
