/** A processing receipt: a system tells the ledger it processed a subject's data (POST /privacy/receipts). */
export interface ProcessingReceipt {
  readonly user_id?: string;
  readonly subject_key?: string;
  readonly system_id: string;
  readonly data_categories: string[];
  readonly processing_purposes: string[];
  readonly processed_at?: string;
  readonly [extra: string]: unknown;
}

export interface ReceiptClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly fetch?: typeof fetch;
}

/** Sends processing receipts; retries 5xx and network errors with backoff, never 4xx (bad input stays bad). */
export class ReceiptClient {
  constructor(private readonly options: ReceiptClientOptions) {}

  async send(receipt: ProcessingReceipt): Promise<{ status: number; body: unknown }> {
    const retries = this.options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await (this.options.fetch ?? fetch)(new URL('/privacy/receipts', this.options.baseUrl), {
          method: 'POST',
          headers: { authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ processed_at: new Date().toISOString(), ...receipt }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
        const body = await res.json().catch(() => null);
        if (res.status >= 500 && attempt < retries) throw new Error(`HTTP ${res.status}`);
        if (!res.ok) throw Object.assign(new Error(`receipt rejected: HTTP ${res.status}`), { status: res.status, body, final: true });
        return { status: res.status, body };
      } catch (e) {
        if ((e as { final?: boolean }).final || attempt >= retries) throw e;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt * (0.5 + Math.random() / 2)));
      }
    }
  }
}
