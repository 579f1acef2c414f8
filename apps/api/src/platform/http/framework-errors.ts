import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './error-body';

/**
 * Path parameters carry user ids of up to 256 characters; percent-encoded UTF-8 (4 bytes, 3
 * characters each) needs 3,072. Fastify's default of 100 refused ids of 101-256 characters.
 */
export const MAX_PARAM_LENGTH = 4096;
export const ROUTER_OPTIONS = { maxParamLength: MAX_PARAM_LENGTH };

const FRAMEWORK: Record<string, { status: number; body: ErrorBody }> = {
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, body: { error: 'uri_too_long', message: 'a path parameter is too long', details: null } },
  FST_ERR_BAD_URL: { status: 400, body: { error: 'bad_request', message: 'the path is not valid (bad percent-encoding)', details: null } },
};

/**
 * Errors Fastify raises before any route runs. Its own bodies quote the path (`'<path>' is exceeding
 * the max param length`), which holds the rejected user id: answer with fixed text instead.
 */
export function frameworkErrorReply(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = FRAMEWORK[error.code] ?? { status: 400, body: { error: 'bad_request', message: 'bad request', details: null } };
  void reply.status(known.status).header('content-type', 'application/json; charset=utf-8').send(known.body);
}
