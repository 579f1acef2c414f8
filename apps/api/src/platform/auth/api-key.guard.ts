import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { API_KEYS, SESSIONS } from '../tokens';
import type { ApiKeyStore, Principal } from './api-keys';
import { PUBLIC_KEY, SCOPES_KEY } from './require-scopes.decorator';
import type { Scope } from './scopes';
import { cookieValue, CSRF_HEADER, csrfMatches, SESSION_COOKIE, sessionPrincipal, type SessionStore } from './sessions';

export interface AuthenticatedRequest {
  principal?: Principal;
  method?: string;
  headers: Record<string, string | string[] | undefined>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * On every route but @Public ones: a bearer API key (machines), or else the console's session
 * cookie, whose state-changing requests must carry the session's CSRF token. Missing or wrong
 * credentials 401, missing CSRF token or scope 403.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(API_KEYS) private readonly keys: ApiKeyStore,
    @Inject(SESSIONS) private readonly sessions: SessionStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(req);
    req.principal = principal;
    const required = this.reflector.getAllAndOverride<Scope[]>(SCOPES_KEY, targets) ?? ['admin'];
    if (principal.scopes.has('admin') || required.some((s) => principal.scopes.has(s))) return true;
    throw new ForbiddenException(`this API key lacks the scope ${required.join(' or ')}`);
  }

  private async authenticate(req: AuthenticatedRequest): Promise<Principal> {
    const header = req.headers.authorization;
    const cookie = header === undefined ? cookieValue(req.headers.cookie, SESSION_COOKIE) : null;
    if (cookie !== null) return this.fromSession(req, cookie);
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new UnauthorizedException('missing bearer API key (Authorization: Bearer <key>)');
    const principal = await this.keys.verify(m[1]);
    if (!principal) throw new UnauthorizedException('unknown or revoked API key');
    return principal;
  }

  private async fromSession(req: AuthenticatedRequest, cookie: string): Promise<Principal> {
    const session = await this.sessions.get(cookie);
    if (!session) throw new UnauthorizedException('the console session expired or was signed out: sign in again');
    if (!SAFE_METHODS.has((req.method ?? 'GET').toUpperCase()) && !csrfMatches(session, req.headers[CSRF_HEADER])) {
      throw new ForbiddenException('missing or wrong X-CSRF-Token for this console session');
    }
    const principal = await sessionPrincipal(this.keys, session);
    if (!principal) throw new UnauthorizedException('the API key of this console session was revoked');
    return principal;
  }
}
