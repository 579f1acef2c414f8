import type { FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../platform/auth/sessions';

/** The cookie holding a pending OpenID Connect sign-in's id, sent back only to /auth/oidc. */
export const LOGIN_COOKIE = 'pl_oidc';

/** Secure on HTTPS, or always with SESSION_COOKIE_SECURE=true (behind a TLS-terminating proxy). */
export const secureCookies = (req: FastifyRequest, always: boolean): boolean => always || req.protocol === 'https';

/**
 * The session cookie: HttpOnly, SameSite=Strict (the console reads it with same-origin calls only;
 * after the provider's redirect the console page loads, then its calls carry the cookie).
 */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/**
 * The pending sign-in's cookie: SameSite=Lax, because the provider's redirect to the callback is a
 * top-level navigation from another site (a Strict cookie would not be sent with it); Path limits
 * it to /auth/oidc.
 */
export function loginCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${LOGIN_COOKIE}=${value}; Path=/auth/oidc; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
