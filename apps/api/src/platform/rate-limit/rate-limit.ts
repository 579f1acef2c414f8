import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { TokenBuckets } from './token-bucket';

export interface RateLimitOptions {
  /** Sustained requests per minute per API key on this route. */
  readonly perMinute: number;
  /** Requests allowed at once after a quiet period; default `perMinute`. */
  readonly burst?: number;
}

export const RATE_LIMIT_KEY = 'pl:rate-limit';

/**
 * Limits a route (or every route of a controller) per API key id: a token bucket in memory, 429
 * `{ error: 'too_many_requests', ... }` with Retry-After when empty. Runs after the API key guard.
 */
export const RateLimit = (options: RateLimitOptions) => SetMetadata(RATE_LIMIT_KEY, options);

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
  private readonly buckets = new Map<string, TokenBuckets>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    const options = this.reflector.getAllAndOverride<RateLimitOptions | undefined>(RATE_LIMIT_KEY, [handler, context.getClass()]);
    if (!options) return true;
    const route = `${context.getClass().name}.${handler.name}`;
    let buckets = this.buckets.get(route);
    if (!buckets) this.buckets.set(route, (buckets = new TokenBuckets(options.perMinute, options.burst ?? options.perMinute)));
    const req = context.switchToHttp().getRequest<AuthenticatedRequest & { ip?: string }>();
    // Keyed by key id (or the peer address on @Public routes); kept in memory only, never logged.
    const key = req.principal ? `key:${req.principal.keyId}` : `ip:${req.ip ?? 'unknown'}`;
    const wait = buckets.take(key, Date.now());
    if (wait === 0) return true;
    throw new RateLimitedException(wait);
  }
}
