import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';

export interface ResponseMismatch {
  readonly operation: string;
  readonly status: number;
  readonly problem: string;
}

const pointer = (...parts: string[]): string => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const mediaType = (contentType: unknown): string => String(contentType ?? '').split(';')[0].trim().toLowerCase();
const isJson = (type: string): boolean => type === 'application/json' || type.endsWith('+json');

/** One ajv per document text: a suite that starts many apps compiles each operation's schema once. */
const checkers = new Map<string, (path: string, method: string, status: string, type: string) => { validate: ValidateFunction; errorsText: (errors: ValidateFunction['errors']) => string }>();

function checkerFor(doc: OpenAPIObject) {
  const key = JSON.stringify(doc);
  let checker = checkers.get(key);
  if (checker) return checker;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(JSON.parse(key) as object, 'openapi');
  const compiled = new Map<string, ValidateFunction>();
  const errorsText = (errors: ValidateFunction['errors']) => ajv.errorsText(errors, { separator: '; ', dataVar: 'body' });
  checker = (path, method, status, type) => {
    const ref = `openapi#/${pointer('paths', path, method, 'responses', status, 'content', type, 'schema')}`;
    let validate = compiled.get(ref);
    if (!validate) compiled.set(ref, (validate = ajv.compile({ $ref: ref })));
    return { validate, errorsText };
  };
  checkers.set(key, checker);
  return checker;
}

/**
 * Checks every response the app sends against its own OpenAPI document: the operation (route
 * pattern + method) must document the status, the content type, and for JSON a schema the body
 * satisfies (ajv, compiled once per operation and status, shared by every app of a suite
 * that serves the same document). Routes outside the document (health,
 * metrics, the document itself, no route matched) are not checked. Mismatches are collected: the
 * test app's close() fails with them.
 */
export function checkResponsesAgainst(fastify: FastifyInstance, doc: OpenAPIObject, mismatches: ResponseMismatch[]): void {
  const validator = checkerFor(doc);
  fastify.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions?.url;
    if (!route) return payload;
    const path = route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const method = request.method.toLowerCase();
    const op = doc.paths[path]?.[method as 'get'];
    if (!op) return payload;
    const operation = `${request.method} ${path}`;
    const status = String(reply.statusCode);
    const fail = (problem: string) => mismatches.push({ operation, status: reply.statusCode, problem });
    const response = op.responses?.[status] as { content?: Record<string, { schema?: unknown }> } | undefined;
    if (!response) {
      fail(`status ${status} is not documented (documented: ${Object.keys(op.responses ?? {}).join(', ')})`);
      return payload;
    }
    const hasBody = payload !== null && payload !== undefined && !(typeof payload === 'string' && payload === '');
    if (!hasBody) {
      if (response.content && reply.statusCode !== 204) fail('empty body where the document describes content');
      return payload;
    }
    const type = mediaType(reply.getHeader('content-type'));
    const content = response.content?.[type];
    if (!content) {
      fail(`content type ${type || '(none)'} is not documented (documented: ${Object.keys(response.content ?? {}).join(', ') || 'no content'})`);
      return payload;
    }
    if (!isJson(type)) return payload;
    if (!content.schema) {
      fail(`${type} has no schema`);
      return payload;
    }
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
      fail('a JSON body sent as a stream cannot be checked');
      return payload;
    }
    let body: unknown;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      fail('the body is not JSON');
      return payload;
    }
    try {
      const { validate, errorsText } = validator(path, method, status, type);
      if (!validate(body)) fail(errorsText(validate.errors));
    } catch (e) {
      fail(`the schema does not compile: ${(e as Error).message}`);
    }
    return payload;
  });
}

export function describeMismatches(mismatches: readonly ResponseMismatch[]): string {
  const seen = new Map<string, number>();
  for (const m of mismatches) {
    const line = `${m.operation} ${m.status}: ${m.problem}`;
    seen.set(line, (seen.get(line) ?? 0) + 1);
  }
  return [...seen].map(([line, n]) => (n > 1 ? `${line} (x${n})` : line)).join('\n');
}
