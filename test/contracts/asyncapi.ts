import { Parser, fromFile, type AsyncAPIDocumentInterface, type Diagnostic } from '@asyncapi/parser';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ASYNCAPI_PATH } from './asyncapi-schemas';

/**
 * docs/asyncapi.yaml as @asyncapi/parser reads it (references resolved, message traits applied), and
 * a validator of real messages against it: a Kafka record by its topic, a webhook request by its
 * `x-pl-topic` header. Used by asyncapi.spec.ts and test/e2e/asyncapi.e2e.ts.
 */
export interface ParsedAsyncApi {
  readonly document: AsyncAPIDocumentInterface | undefined;
  readonly diagnostics: Diagnostic[];
}

export async function parseAsyncApi(): Promise<ParsedAsyncApi> {
  const { document, diagnostics } = await fromFile(new Parser(), ASYNCAPI_PATH).parse();
  return { document, diagnostics };
}

/** A message as captured: Kafka (key, headers, value as text or null) or a webhook (headers, raw body). */
export interface Captured {
  readonly key?: string | null;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly value: string | null;
}

export interface Verdict {
  /** The name of the first message of the channel that key, headers and payload all satisfy. */
  readonly message: string | null;
  /** Why each candidate message did not match (empty when one matched). */
  readonly errors: string[];
}

interface CompiledMessage {
  readonly id: string;
  readonly headers: ValidateFunction | null;
  readonly payload: ValidateFunction | null;
  readonly key: ValidateFunction | null;
  /** The payload is carried as it came (dead letters): validated as a string when it is not JSON. */
  readonly json: boolean;
}

export class AsyncApiValidator {
  private readonly byAddress = new Map<string, CompiledMessage[]>();
  private readonly webhooksByTopic = new Map<string, CompiledMessage[]>();

  constructor(document: AsyncAPIDocumentInterface) {
    const ajv = new Ajv2020({ strict: false, allErrors: true, addUsedSchema: false });
    addFormats(ajv);
    const compile = (schema: unknown) => (schema === undefined ? null : ajv.compile(schema as object));
    for (const channel of document.channels()) {
      const messages = channel.messages().all().map((m): CompiledMessage => ({
        id: m.name() ?? m.id(),
        headers: compile(m.headers()?.json()),
        payload: compile(m.payload()?.json()),
        key: compile((m.bindings().get('kafka')?.value() as { key?: unknown } | undefined)?.key),
        json: (m.json() as { contentType?: string }).contentType === 'application/json',
      }));
      const address = channel.address();
      if (address) this.byAddress.set(address, messages);
      else {
        // a webhook channel (no address: the receiver's URL) names the topic it delivers, sent as x-pl-topic
        const topic = channel.extensions().get('x-webhook-topic')?.value<string>();
        if (!topic) throw new Error(`webhook channel ${channel.id()} has no x-webhook-topic`);
        this.webhooksByTopic.set(topic, messages);
      }
    }
  }

  static async load(): Promise<AsyncApiValidator> {
    const { document, diagnostics } = await parseAsyncApi();
    if (!document) throw new Error(`docs/asyncapi.yaml does not parse: ${diagnostics.map((d) => d.message).join('; ')}`);
    return new AsyncApiValidator(document);
  }

  addresses(): string[] {
    return [...this.byAddress.keys()];
  }

  webhookTopics(): string[] {
    return [...this.webhooksByTopic.keys()];
  }

  kafka(topic: string, record: Captured): Verdict {
    const candidates = this.byAddress.get(topic);
    if (!candidates) return { message: null, errors: [`no channel with address ${topic}`] };
    return match(candidates, record, true);
  }

  webhook(record: Captured): Verdict {
    const topic = String(record.headers['x-pl-topic'] ?? '');
    const candidates = this.webhooksByTopic.get(topic);
    if (!candidates) return { message: null, errors: [`no webhook channel for x-pl-topic ${topic}`] };
    return match(candidates, record, false);
  }
}

function match(candidates: readonly CompiledMessage[], record: Captured, kafka: boolean): Verdict {
  const errors: string[] = [];
  for (const m of candidates) {
    const problems: string[] = [];
    const check = (what: string, validate: ValidateFunction | null, value: unknown) => {
      if (validate && !validate(value)) problems.push(`${what}: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join(', ')}`);
    };
    if (kafka) check('key', m.key, record.key ?? null);
    check('headers', m.headers, record.headers);
    let payload: unknown = record.value;
    if (record.value !== null) {
      try {
        payload = JSON.parse(record.value);
      } catch {
        if (m.json) problems.push('payload: not JSON');
      }
    }
    check('payload', m.payload, payload);
    if (!problems.length) return { message: m.id, errors: [] };
    errors.push(`${m.id}: ${problems.join('; ')}`);
  }
  return { message: null, errors };
}
