import type { OpenAPIObject } from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency-key';

const COMMAND_METHODS = ['post', 'put', 'patch', 'delete'] as const;

const PARAMETER = {
  name: 'Idempotency-Key',
  in: 'header' as const,
  required: false,
  description:
    'Optional (draft-ietf-httpapi-idempotency-key-header). A retry with the same key and payload gets the first answer again ' +
    '(`Idempotent-Replayed: true`) and records nothing; the same key with another payload 422; while the first request runs 409 ' +
    'with Retry-After. Scoped per API key, kept IDEMPOTENCY_KEY_TTL_HOURS (default 24). 16-255 characters of A-Z a-z 0-9 . _ ~ : + / = -, ' +
    'optionally double-quoted; a UUID fits. See docs/api.md.',
  schema: { type: 'string', pattern: `^"?${IDEMPOTENCY_KEY_PATTERN.source.slice(1, -1)}"?$`, minLength: 16, maxLength: 257 },
  example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
};

const RESPONSES: Record<string, { description: string }> = {
  '409': { description: 'A request with this Idempotency-Key is still being processed (`idempotency_key_in_use`, Retry-After), or a concurrent modification' },
  '422': { description: 'This Idempotency-Key was used with another payload (`idempotency_key_reused`), or a precondition failed' },
};

/** Documents the Idempotency-Key header, 409 and 422 on every command operation (each POST, PUT, PATCH, DELETE). */
export function documentIdempotencyKey(doc: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(doc.paths)) {
    for (const method of COMMAND_METHODS) {
      const op = item[method];
      if (!op) continue;
      op.parameters = [...(op.parameters ?? []), { ...PARAMETER }];
      op.responses = { ...op.responses };
      for (const [status, response] of Object.entries(RESPONSES)) op.responses[status] ??= response;
    }
  }
  return doc;
}
