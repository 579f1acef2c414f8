import type { OpenAPIObject } from '@nestjs/swagger';
import { OPERATION_METHODS } from '../platform/http/openapi-errors';
import { RESPONSE_SCHEMAS } from './response-schemas.generated';

type Schema = Record<string, unknown>;
type Response = { description?: string; content?: Record<string, { schema?: Schema }> };
type Operation = { operationId?: string; responses: Record<string, Response> };

const isText = (s: Schema) => s.type === 'string' && !s.enum && !s.format;

/** The JSON part of a route's return type, and whether it can also return text (CSV, a plain-text draft). */
function split(schema: Schema): { json: Schema | null; text: boolean } {
  if (isText(schema)) return { json: null, text: true };
  const variants = schema.anyOf as Schema[] | undefined;
  if (!variants?.some(isText)) return { json: schema, text: false };
  const rest = variants.filter((v) => !isText(v));
  return { json: rest.length === 1 ? rest[0] : { ...schema, anyOf: rest }, text: true };
}

/**
 * Gives each operation's 2xx responses the schema of what its route returns, derived from the
 * TypeScript types (scripts/openapi/response-schemas.ts), and the derived components. A route
 * that can answer in text declares that content type itself (@ApiOkResponse({ content })); its
 * JSON answers get the derived schema beside it.
 */
export function documentSuccessResponses(doc: OpenAPIObject, schemas = RESPONSE_SCHEMAS): OpenAPIObject {
  const existing = doc.components?.schemas ?? {};
  for (const name of Object.keys(schemas.components)) if (existing[name]) throw new Error(`OpenAPI component ${name} is both a DTO and a derived response type: rename one`);
  doc.components = { ...doc.components, schemas: { ...existing, ...(schemas.components as Record<string, never>) } };
  for (const item of Object.values(doc.paths)) {
    for (const method of OPERATION_METHODS) {
      const op = item[method] as Operation | undefined;
      const derived = op?.operationId ? schemas.operations[op.operationId] : undefined;
      if (!op || !derived) continue;
      // an error status declared on the route (@ApiResponse 429, ...) stops Nest documenting the usual one
      op.responses = { [String(derived.status)]: { description: derived.status === 204 ? 'Done, nothing to send' : 'Done' }, ...op.responses };
      if (!derived.schema) continue;
      const { json } = split(derived.schema);
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^2\d\d$/.test(status) || status === '204') continue;
        const content = { ...response.content };
        if (json && !content['application/json']?.schema) content['application/json'] = { schema: json };
        response.content = content;
      }
    }
  }
  return doc;
}
