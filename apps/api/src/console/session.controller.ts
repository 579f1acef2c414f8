import { Body, Controller, Delete, ForbiddenException, Get, HttpCode, Inject, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Infrastructure } from '../../../common/infrastructure';
import type { ApiKeyStore, Principal } from '../platform/auth/api-keys';
import { Public } from '../platform/auth/require-scopes.decorator';
import { cookieValue, CSRF_HEADER, csrfMatches, SESSION_COOKIE, sessionPrincipal, type Session, type SessionStore } from '../platform/auth/sessions';
import { RateLimit } from '../platform/rate-limit/rate-limit';
import { API_KEYS, INFRA, SESSIONS } from '../platform/tokens';
import { secureCookies, sessionCookie } from './cookies';

export class SignInDto {
  @ApiProperty({ type: String, maxLength: 200, description: 'An admin-issued API key (pl_<id>.<secret>); it is not kept in the browser' })
  @IsString() @Length(1, 200) api_key!: string;
}

/**
 * The console's session. Sign-in with an API key (the embedded default, no identity provider; with
 * OIDC_ISSUER set only when CONSOLE_KEY_SIGN_IN=true): the key is exchanged once for a server-side
 * session in an HttpOnly, SameSite=Strict cookie, acting with the key's current scopes. A session
 * made through OpenID Connect (oidc.controller.ts) is read and ended here too. The answer carries
 * the CSRF token the console sends in X-CSRF-Token on every command.
 */
@ApiTags('console session')
@Controller('auth/session')
export class SessionController {
  constructor(
    @Inject(API_KEYS) private readonly keys: ApiKeyStore,
    @Inject(SESSIONS) private readonly sessions: SessionStore,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {}

  @Public()
  @Post()
  @RateLimit({ perMinute: 20, burst: 10 })
  @ApiOperation({ summary: 'Sign in to the console with an API key: sets the session cookie' })
  @ApiResponse({ status: 401, description: 'Unknown or revoked API key' })
  @ApiResponse({ status: 403, description: 'Sign-in with a key is off: the console signs in through OpenID Connect (CONSOLE_KEY_SIGN_IN)' })
  async signIn(@Body() b: SignInDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!this.infra.config.consoleKeySignIn) throw new ForbiddenException('the console signs in through OpenID Connect here (GET /auth/oidc/login); API keys stay for machines (Authorization: Bearer)');
    const principal = await this.keys.verify(b.api_key);
    if (!principal) throw new UnauthorizedException('unknown or revoked API key');
    const old = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (old) await this.sessions.delete(old);
    const { id, session } = await this.sessions.create({ kind: 'api_key', keyId: principal.keyId });
    void reply.header('set-cookie', sessionCookie(id, this.sessions.ttlSeconds, secureCookies(req, this.infra.config.sessionCookieSecure)));
    return view(session, principal);
  }

  @Public()
  @Get()
  @ApiOperation({ summary: 'The current console session: its scopes and CSRF token (401 when signed out)' })
  @ApiResponse({ status: 401, description: 'Not signed in, or the API key of the session was revoked' })
  async current(@Req() req: FastifyRequest) {
    const { session } = await this.live(req);
    const principal = await sessionPrincipal(this.keys, session);
    if (!principal) throw new UnauthorizedException('the API key of this console session was revoked');
    return view(session, principal);
  }

  @Public()
  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: ends the session (needs X-CSRF-Token)' })
  @ApiResponse({ status: 401, description: 'Not signed in' })
  @ApiResponse({ status: 403, description: 'Missing or wrong X-CSRF-Token' })
  async signOut(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { id, session } = await this.live(req);
    if (!csrfMatches(session, req.headers[CSRF_HEADER])) throw new ForbiddenException('missing or wrong X-CSRF-Token for this console session');
    await this.sessions.delete(id);
    void reply.header('set-cookie', sessionCookie('', 0, secureCookies(req, this.infra.config.sessionCookieSecure)));
  }

  private async live(req: FastifyRequest): Promise<{ id: string; session: Session }> {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const session = id ? await this.sessions.get(id) : null;
    if (!id || !session) throw new UnauthorizedException('not signed in to the console');
    return { id, session };
  }
}

/** What the console learns of its session: how it was made, as whom (the actor its commands record), its scopes and CSRF token. */
function view(session: Session, principal: Principal) {
  const scopes: string[] = [...principal.scopes].sort();
  return { signed_in_with: session.identity.kind, actor: principal.actor, scopes, csrf_token: session.csrfToken, expires_at: session.expiresAt };
}
