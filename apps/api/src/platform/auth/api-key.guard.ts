import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { API_KEYS } from '../tokens';
import type { ApiKeyStore, Principal } from './api-keys';
import { PUBLIC_KEY, SCOPES_KEY } from './require-scopes.decorator';
import type { Scope } from './scopes';

export interface AuthenticatedRequest {
  principal?: Principal;
  headers: Record<string, string | string[] | undefined>;
}

/** Bearer API key on every route but @Public ones: missing or wrong key 401, missing scope 403. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(API_KEYS) private readonly keys: ApiKeyStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new UnauthorizedException('missing bearer API key (Authorization: Bearer <key>)');
    const principal = await this.keys.verify(m[1]);
    if (!principal) throw new UnauthorizedException('unknown or revoked API key');
    req.principal = principal;
    const required = this.reflector.getAllAndOverride<Scope[]>(SCOPES_KEY, targets) ?? ['admin'];
    if (principal.scopes.has('admin') || required.some((s) => principal.scopes.has(s))) return true;
    throw new ForbiddenException(`this API key lacks the scope ${required.join(' or ')}`);
  }
}
