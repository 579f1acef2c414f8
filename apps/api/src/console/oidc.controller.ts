import { BadRequestException, Controller, Get, HttpCode, Inject, NotFoundException, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Infrastructure } from '../../../common/infrastructure';
import { Public } from '../platform/auth/require-scopes.decorator';
import { cookieValue, SESSION_COOKIE, type SessionStore } from '../platform/auth/sessions';
import { RateLimit } from '../platform/rate-limit/rate-limit';
import { INFRA, SESSIONS } from '../platform/tokens';
import { SECURITY_HEADERS } from './console-static';
import { LOGIN_COOKIE, loginCookie, secureCookies, sessionCookie } from './cookies';
import { LOGIN_TTL_MS, type OidcSignIn, safeReturnTo, SignInRefused } from './oidc';

/** The console's OpenID Connect client, or null when OIDC_ISSUER is not set. */
export const OIDC = Symbol('OIDC');

const HTML_PAGE = { 'text/html': { schema: { type: 'string' } } };

/**
 * Sign-in for people through OpenID Connect (authorization code with PKCE). The browser is sent to
 * the provider and back; what the callback checks (state, nonce, PKCE verifier) stays on the
 * server, found again through a random id in a short-lived SameSite=Lax cookie, and is used once.
 * A person whose groups map to no scope gets no session.
 */
@ApiTags('console session')
@Controller('auth')
export class OidcController {
  constructor(
    @Inject(OIDC) private readonly oidc: OidcSignIn | null,
    @Inject(SESSIONS) private readonly sessions: SessionStore,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {}

  @Public()
  @Get('methods')
  @ApiOperation({ summary: 'How the console signs in here: with an OpenID Connect provider, an API key, or both' })
  methods() {
    return {
      api_key: this.infra.config.consoleKeySignIn,
      oidc: this.oidc ? { provider_name: this.oidc.settings.providerName, login_url: '/auth/oidc/login' } : null,
    };
  }

  @Public()
  @Get('oidc/login')
  @HttpCode(302)
  @RateLimit({ perMinute: 60, burst: 30 })
  @ApiOperation({ summary: 'Starts a sign-in: redirects to the OpenID Connect provider (state, nonce, PKCE S256; the verifier stays on the server)' })
  @ApiQuery({ name: 'return_to', required: false, description: 'A path under /console to land on once signed in (default /console/); anything else is refused' })
  @ApiResponse({ status: 302, description: "To the provider's authorization endpoint; sets the pending sign-in's cookie (pl_oidc, HttpOnly, SameSite=Lax, 10 minutes)", headers: { Location: { description: "The provider's authorization endpoint with state, nonce and the PKCE challenge", schema: { type: 'string', format: 'uri' } } } })
  @ApiResponse({ status: 400, description: 'return_to is not a path under /console (no open redirect)' })
  @ApiResponse({ status: 404, description: 'OpenID Connect sign-in is not configured (OIDC_ISSUER)' })
  @ApiResponse({ status: 429, description: 'Too many sign-ins started from this address' })
  @ApiResponse({ status: 502, description: 'The identity provider could not be reached (its discovery document)' })
  async login(@Query('return_to') returnTo: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const oidc = this.configured();
    const target = safeReturnTo(returnTo);
    if (target === null) throw new BadRequestException('return_to must be a path under /console on this site');
    let started: Awaited<ReturnType<OidcSignIn['start']>>;
    try {
      started = await oidc.start(target);
    } catch (e) {
      if (e instanceof SignInRefused) return void reply.status(e.status).type('application/json; charset=utf-8').send({ error: 'bad_gateway', message: e.message, details: null });
      throw e;
    }
    const id = await this.sessions.putLogin(started.pending, LOGIN_TTL_MS);
    void reply
      .status(302)
      .header('set-cookie', loginCookie(id, LOGIN_TTL_MS / 1000, this.secure(req)))
      .header('cache-control', 'no-store')
      .header('location', started.url.href)
      .send();
  }

  @Public()
  @Get('oidc/callback')
  @HttpCode(302)
  @ApiOperation({ summary: "The provider's redirect back: checks state, exchanges the code with the PKCE verifier, validates the ID token, maps the groups claim to scopes, starts the session" })
  @ApiQuery({ name: 'code', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'iss', required: false })
  @ApiQuery({ name: 'error', required: false })
  @ApiResponse({ status: 302, description: 'Signed in: sets the session cookie (pl_session) and goes to the console page the sign-in started from', headers: { Location: { description: 'The console page the sign-in started from (a path under /console)', schema: { type: 'string' } } } })
  @ApiResponse({ status: 400, description: 'An unknown, expired or already used sign-in, a state that differs, or a code the provider would not exchange (a page saying so)', content: HTML_PAGE })
  @ApiResponse({ status: 403, description: 'The provider refused, or signed in a person whose groups map to no scope: no session (a page saying so)', content: HTML_PAGE })
  @ApiResponse({ status: 404, description: 'OpenID Connect sign-in is not configured (OIDC_ISSUER)' })
  @ApiResponse({ status: 502, description: 'The identity provider could not be reached (a page saying so)', content: HTML_PAGE })
  async callback(@Query() query: Record<string, unknown>, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const oidc = this.configured();
    const loginId = cookieValue(req.headers.cookie, LOGIN_COOKIE);
    // taken out of the store as it is read: whatever happens next, this state, nonce and verifier are spent
    const pending = loginId ? await this.sessions.takeLogin(loginId) : null;
    const secure = this.secure(req);
    void reply.header('cache-control', 'no-store');
    try {
      const person = await oidc.finish(query, pending);
      const old = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (old) await this.sessions.delete(old);
      const { id } = await this.sessions.create({ kind: 'oidc', issuer: person.issuer, subject: person.subject, actor: person.actor, scopes: person.scopes });
      void reply
        .status(302)
        .header('set-cookie', [loginCookie('', 0, secure), sessionCookie(id, this.sessions.ttlSeconds, secure)])
        .header('location', pending!.returnTo)
        .send();
    } catch (e) {
      if (!(e instanceof SignInRefused)) throw e;
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) void reply.header(k, v);
      void reply.status(e.status).header('set-cookie', loginCookie('', 0, secure)).type('text/html; charset=utf-8').send(refusalPage(e));
    }
  }

  private configured(): OidcSignIn {
    if (!this.oidc) throw new NotFoundException('OpenID Connect sign-in is not configured here (OIDC_ISSUER); sign in with an API key');
    return this.oidc;
  }

  private secure(req: FastifyRequest): boolean {
    return secureCookies(req, this.infra.config.sessionCookieSecure);
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A plain page (no script, no style: the console's CSP applies) saying why, with a way back. */
function refusalPage(e: SignInRefused): string {
  const title = e.reason === 'no_role' ? 'No access to the console' : 'Sign-in did not complete';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>' + escapeHtml(title) + ' · privacy-ledger</title></head>',
    '<body><main>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p id="reason" data-reason="${e.reason}">${escapeHtml(e.message)}</p>`,
    '<p><a href="/console/">Back to the console sign-in</a></p>',
    '</main></body></html>',
  ].join('\n');
}
