import { Body, Controller, Delete, ForbiddenException, Get, HttpCode, Inject, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Infrastructure } from '../../../common/infrastructure';
import type { ApiKeyStore } from '../platform/auth/api-keys';
import { Public } from '../platform/auth/require-scopes.decorator';
import { cookieValue, CSRF_HEADER, csrfMatches, SESSION_COOKIE, type Session, type SessionStore } from '../platform/auth/sessions';
import { RateLimit } from '../platform/rate-limit/rate-limit';
import { API_KEYS, INFRA, SESSIONS } from '../platform/tokens';

export class SignInDto {
  @ApiProperty({ type: String, maxLength: 200, description: 'An admin-issued API key (pl_<id>.<secret>); it is not kept in the browser' })
  @IsString() @Length(1, 200) api_key!: string;
}

/**
 * The console's sign-in for the embedded default (no identity provider): an API key is exchanged
 * once for a server-side session in an HttpOnly, SameSite=Strict cookie; the key's scopes are the
 * session's. The answer carries the CSRF token the console sends in X-CSRF-Token on every command.
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
  async signIn(@Body() b: SignInDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const principal = await this.keys.verify(b.api_key);
    if (!principal) throw new UnauthorizedException('unknown or revoked API key');
    const old = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (old) await this.sessions.delete(old);
    const { id, session } = await this.sessions.create({ kind: 'api_key', keyId: principal.keyId });
    void reply.header('set-cookie', this.cookie(req, id, this.sessions.ttlSeconds));
    return view(session, [...principal.scopes]);
  }

  @Public()
  @Get()
  @ApiOperation({ summary: 'The current console session: its scopes and CSRF token (401 when signed out)' })
  @ApiResponse({ status: 401, description: 'Not signed in, or the API key of the session was revoked' })
  async current(@Req() req: FastifyRequest) {
    const { session } = await this.live(req);
    const principal = await this.keys.principalOf(session.identity.keyId);
    if (!principal) throw new UnauthorizedException('the API key of this console session was revoked');
    return view(session, [...principal.scopes]);
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
    void reply.header('set-cookie', this.cookie(req, '', 0));
  }

  private async live(req: FastifyRequest): Promise<{ id: string; session: Session }> {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const session = id ? await this.sessions.get(id) : null;
    if (!id || !session) throw new UnauthorizedException('not signed in to the console');
    return { id, session };
  }

  private cookie(req: FastifyRequest, value: string, maxAge: number): string {
    const secure = this.infra.config.sessionCookieSecure || req.protocol === 'https';
    return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }
}

function view(session: Session, scopes: string[]) {
  return { signed_in_with: session.identity.kind, scopes: scopes.sort(), csrf_token: session.csrfToken, expires_at: session.expiresAt };
}
