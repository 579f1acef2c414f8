import { readFileSync } from 'node:fs';
import { GENERATED_FILE, generateResponseSchemas, renderGenerated } from '../../scripts/openapi/response-schemas';

/** The OpenAPI response schemas are derived from the routes' return types: a change of a type must regenerate them. */
describe('derived OpenAPI response schemas', () => {
  const derived = generateResponseSchemas();

  it('apps/api/src/openapi/response-schemas.generated.ts is what the routes return today (else: bash bench/run.sh scripts/openapi/response-schemas.ts)', () => {
    const fresh = readFileSync(GENERATED_FILE, 'utf8') === renderGenerated(derived);
    expect(fresh).toBe(true);
  });

  it('reads the routes: required fields, null as one more variant, 204 without a body, the status from @HttpCode or the method', () => {
    // GET /consent/{user_id}: known is always sent; the audit head may be null before the first event
    const state = derived.operations.ConsentController_state.schema as { required: string[]; properties: Record<string, unknown> };
    expect(state.required).toEqual(expect.arrayContaining(['user_id', 'known', 'consents']));
    const head = derived.operations.AuditController_head.schema as { properties: { head: { anyOf: unknown[] } } };
    expect(head.properties.head.anyOf).toEqual(expect.arrayContaining([{ type: 'object', nullable: true, enum: [null] }]));
    expect(derived.operations.WebhooksController_deactivate).toEqual({ status: 204, schema: null });
    expect(derived.operations.ConsentController_record.status).toBe(201);
  });
});
