import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiptClient } from '@pl/sdk';

// A real local HTTP server standing in for POST /privacy/receipts (no broker, no database).
describe('ReceiptClient', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ auth: string | undefined; body: any }> = [];
  let answers: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body: JSON.parse(b) });
        const status = answers.shift() ?? 201;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('retries 5xx and succeeds, sending the bearer key and a processed_at', async () => {
    seen.length = 0;
    answers = [503, 502, 201];
    const r = await new ReceiptClient({ baseUrl: base, apiKey: 'k1', retries: 3 }).send({ subject_key: 'sub_x', system_id: 'crm', data_categories: ['user.contact.email'], processing_purposes: ['analytics'] });
    expect(r.status).toBe(201);
    expect(seen).toHaveLength(3);
    expect(seen[0].auth).toBe('Bearer k1');
    expect(seen[0].body).toMatchObject({ system_id: 'crm', processed_at: expect.any(String) });
  });

  it('does not retry a 4xx: bad input stays bad', async () => {
    seen.length = 0;
    answers = [400];
    await expect(new ReceiptClient({ baseUrl: base, apiKey: 'k1' }).send({ system_id: 'crm', data_categories: [], processing_purposes: [] })).rejects.toMatchObject({ status: 400 });
    expect(seen).toHaveLength(1);
  });

  it('gives up after the retries on a persistent 5xx', async () => {
    seen.length = 0;
    answers = [500, 500, 500];
    await expect(new ReceiptClient({ baseUrl: base, apiKey: 'k1', retries: 2 }).send({ system_id: 'crm', data_categories: ['x'], processing_purposes: ['y'] })).rejects.toThrow(/500/);
    expect(seen).toHaveLength(3);
  });
});
