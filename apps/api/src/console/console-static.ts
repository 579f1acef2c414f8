import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export const CONSOLE_PATH = '/console';

/**
 * Only this origin's own files: no inline script or style element, no eval, no framing. React
 * sets `style` through the DOM (allowed); the API is the same origin (connect-src 'self').
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with the console and with the sign-in pages of /auth/oidc/callback. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * The console (apps/console, built by `npm run build` into dir) from this server under /console:
 * hashed assets cached for a year as immutable (brotli or gzip as built, when the browser accepts it), and index.html (for /console and every client-side
 * route below it) revalidated on every load, so a new build is picked up at once. Public: the
 * shell holds no data; every read and action goes through the guarded API routes.
 */
export async function serveConsole(app: NestFastifyApplication, dir: string): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const indexFile = join(dir, 'index.html');
  const index = existsSync(indexFile) ? readFileSync(indexFile) : null;
  const shell = async (request: { url: string }, reply: import('fastify').FastifyReply) => {
    if (request.url.startsWith(`${CONSOLE_PATH}/assets/`)) return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: 'no such console asset' });
    if (!index) return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: 'the console is not built: run npm run build (or set CONSOLE_DIR)' });
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
  };
  // The console's routes in a context of their own, so its security headers are a hook on them only,
  // not one more hook on every API answer (the hot path's included).
  await fastify.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      void reply.headers(SECURITY_HEADERS);
      return payload;
    });
    if (existsSync(join(dir, 'assets'))) {
      await scope.register(fastifyStatic, {
        root: join(dir, 'assets'),
        prefix: `${CONSOLE_PATH}/assets/`,
        decorateReply: false,
        index: false,
        cacheControl: true,
        maxAge: 365 * 24 * 3600 * 1000,
        immutable: true,
        // the build writes .br and .gz beside each asset (apps/console/vite.config.mts)
        preCompressed: true,
      });
    }
    scope.get(CONSOLE_PATH, shell);
    scope.get(`${CONSOLE_PATH}/*`, shell);
  });
}
