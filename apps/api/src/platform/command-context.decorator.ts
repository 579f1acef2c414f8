import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { CommandContext } from '@pl/application';
import type { AuthenticatedRequest } from './auth/api-key.guard';

const CORRELATION = /^[A-Za-z0-9._:-]{1,100}$/;

export function commandContextOf(req: AuthenticatedRequest): CommandContext {
  const header = req.headers['x-correlation-id'];
  const correlationId = typeof header === 'string' && CORRELATION.test(header) ? header : randomUUID();
  return { actor: req.principal ? `apikey:${req.principal.keyId}` : 'anonymous', correlationId, causationId: null, now: new Date() };
}

/** The CommandContext of this request: actor = the API key id, correlation id from X-Correlation-Id or new. */
export const CommandCtx = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandContext =>
  commandContextOf(ctx.switchToHttp().getRequest<AuthenticatedRequest>()),
);
