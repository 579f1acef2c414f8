import type { OpenAPIObject } from '@nestjs/swagger';

const COMMAND_METHODS = new Set(['post', 'put', 'patch', 'delete']);
/** The HTTP methods an OpenAPI path item holds operations under (the routes use no others). */
export const OPERATION_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The one error body every 4xx and 5xx carries (error-body.ts `ErrorBody`, sent by the exception filter and the framework error handler). */
export const ERROR_BODY_SCHEMA = {
  type: 'object',
  description: 'Every error answer. Never a stack trace, personal data or an echo of the input.',
  required: ['error', 'message', 'details'],
  additionalProperties: false,
  properties: {
    error: { type: 'string', description: 'Machine-readable code: bad_request, unauthorized, forbidden, not_found, conflict, gone, payload_too_large, unprocessable_entity, too_many_requests, service_unavailable, or a domain code (invalid, precondition, not_found, conflict, forbidden, idempotency_key_reused, ...)', example: 'bad_request' },
    message: { type: 'string', description: 'What went wrong and what to do, for people', example: 'request validation failed' },
    details: { description: 'Any JSON value. ' + 'null, or what the error concerns: the failing validations, the field, retry_after_seconds, the projection that lags, ...' },
  },
} as const;

const ERROR_REF = { $ref: '#/components/schemas/ErrorBody' };

/** Why each status happens when an operation does not say it more precisely itself. */
const GENERIC: Record<string, string> = {
  '400': 'Invalid request: parameters, body, JSON (malformed, nested too deep), text (NUL, lone surrogates) or Idempotency-Key',
  '401': 'Missing, unknown or revoked API key',
  '403': 'The API key lacks the scope this operation needs',
  '404': 'Not found',
  '409': 'Conflict',
  '410': 'Gone',
  '413': 'Request body (or the change it makes) larger than accepted',
  '415': 'A body that is not JSON (send Content-Type: application/json)',
  '422': 'A precondition of the law or of the record failed',
  '429': 'Rate limit exceeded for this API key or subject (Retry-After)',
  '500': 'Internal error (e.g. the database refused the connection); the body says nothing internal',
  '503': 'Event store unavailable or outcome unknown (retry with the same Idempotency-Key), or a read model stuck or lagging (named in details)',
};

type Operation = { parameters?: Array<{ in: string; name: string }>; requestBody?: unknown; responses: Record<string, { description?: string; content?: Record<string, unknown> }>; security?: unknown[]; 'x-public'?: boolean };

/**
 * Completes each operation's error responses from what every route shares: 400 for operations with
 * parameters or a body (and every command: Idempotency-Key), 401/403 unless the route is @Public,
 * 404 when the path names a record, 413/415/503 on commands (body limit, append too large, event
 * store unavailable), 500 everywhere (an unexpected failure, answered without internals); and gives
 * every 4xx/5xx the one ErrorBody schema. Statuses particular to a
 * route (410, 429, a 422 on a read, ...) are
 * declared on the route itself with @ApiResponse.
 */
export function documentErrorResponses(doc: OpenAPIObject): OpenAPIObject {
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ErrorBody: ERROR_BODY_SCHEMA as never } };
  for (const item of Object.values(doc.paths)) {
    for (const method of OPERATION_METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const command = COMMAND_METHODS.has(method);
      const statuses: string[] = [];
      if (command || op.requestBody || (op.parameters ?? []).some((p) => p.in !== 'header')) statuses.push('400');
      if (op['x-public']) {
        op.security = [];
        delete op['x-public'];
      } else statuses.push('401', '403');
      // a record named in the path may not exist; a subject (user_id) is never "not found"
      if ((op.parameters ?? []).some((p) => p.in === 'path' && p.name !== 'user_id')) statuses.push('404');
      if (command) statuses.push('413', '415', '503');
      statuses.push('500');
      op.responses = { ...op.responses };
      for (const status of statuses) op.responses[status] ??= { description: GENERIC[status] };
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        if (!response.description) response.description = GENERIC[status] ?? 'Error';
        // a browser route's error page (text/html, declared on the route) is kept beside the JSON body
        const page = response.content?.['text/html'];
        response.content = { ...(page ? { 'text/html': page } : {}), 'application/json': { schema: ERROR_REF } };
      }
    }
  }
  return doc;
}
