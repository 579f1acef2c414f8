import { applyDecorators, CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { RATE_LIMITER } from '../tokens';
import type { RateLimiter } from './rate-limiter';

export interface RateLimitOptions {
  /** Sustained requests per minute per API key on this route. */
  readonly perMinute: number;
  /** Requests allowed at once after a quiet period; default `perMinute`. */
  readonly burst?: number;
}

export const RATE_LIMIT_KEY = 'pl:rate-limit';

/**
 * Limits a route (or every route of a controller) per API key id: a token bucket (in Redis when
 * REDIS_URL is set, shared by every API instance; else in this process), 429
 * `{ error: 'too_many_requests', ... }` with Retry-After when empty. Runs after the API key guard.
 */
export const RateLimit = (options: RateLimitOptions) =>
  applyDecorators(SetMetadata(RATE_LIMIT_KEY, options), ApiResponse({ status: 429, description: `Rate limit (${options.perMinute} per minute per API key) exceeded (Retry-After)` }));

/** 429 with `details.retry_after_seconds`; the error filter sets the Retry-After header from it. */
export class RateLimitedException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'rate limit exceeded for this API key; retry later',
  ) {
    super({ message, details: { retry_after_seconds: retryAfterSeconds } }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** Whole seconds to wait, at least 1 (RFC 9110 §10.2.3: Retry-After is a non-negative integer). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler();
    const options = this.reflector.getAllAndOverride<RateLimitOptions | undefined>(RATE_LIMIT_KEY, [handler, context.getClass()]);
    if (!options) return true;
    const route = `${context.getClass().name}.${handler.name}`;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest & { ip?: string }>();
    // Keyed by key id (or the peer address on @Public routes); never logged, hashed in Redis.
    const key = req.principal ? `key:${req.principal.keyId}` : `ip:${req.ip ?? 'unknown'}`;
    const wait = await this.limiter.take(route, key, options.perMinute, options.burst ?? options.perMinute);
    if (wait === 0) return true;
    throw new RateLimitedException(wait);
  }
}
