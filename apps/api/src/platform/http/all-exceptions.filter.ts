import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { RateLimitedException } from '../rate-limit/rate-limit';
import { LOGGER } from '../tokens';
import { ErrorAnswer, toErrorResponse } from './error-body';

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { status, body: raw, internal } = toErrorResponse(exception);
    // No route matched: Nest's 404 says "Cannot <method> <url>", and the url can hold a user id.
    const body = status === 404 && !request.routeOptions?.url ? { ...raw, message: 'no route for this method and path' } : raw;
    if (internal) {
      // Name and code only: driver messages can quote row values.
      const e = exception as { name?: string; code?: string };
      this.logger.error({ err_name: e?.name, err_code: e?.code }, 'unhandled error');
    }
    if (exception instanceof RateLimitedException) void reply.header('retry-after', String(exception.retryAfterSeconds));
    if (exception instanceof ErrorAnswer) for (const [name, value] of Object.entries(exception.headers)) void reply.header(name, value);
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
