/**
 * The baseline a team would otherwise build: consents as JSON in Redis under
 * `consent:{user}:{consent_id}`, validated by `KEYS consent:{user}:*` then `GET` of each key, served by
 * a minimal Node HTTP server. Started by bench/consent-validate.ts (PORT, REDIS_URL, REDIS_DB).
 */
import { createServer } from 'node:http';
import { createClient } from 'redis';

async function main(): Promise<void> {
  const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', database: Number(process.env.REDIS_DB ?? 7) });
  await client.connect();
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const user = url.searchParams.get('user_id');
      const category = url.searchParams.get('data_category');
      const purpose = url.searchParams.get('processing_purpose');
      if (!user || !category || !purpose) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad_request"}');
        return;
      }
      const keys = await client.keys(`consent:${user}:*`);
      const values = await Promise.all(keys.map((k) => client.get(k)));
      const now = Date.now();
      const hit = values
        .map((v) => (v ? (JSON.parse(v) as { consent_id: string; data_category: string; processing_purpose: string; status: string; expires_at: string }) : null))
        .find((c) => c && c.data_category === category && c.processing_purpose === purpose && c.status === 'active' && Date.parse(c.expires_at) > now);
      const body = hit
        ? { user_id: user, processing_allowed: true, legal_basis: 'consent', consent_id: hit.consent_id, expires_at: hit.expires_at, reason: 'consent_given' }
        : { user_id: user, processing_allowed: false, legal_basis: null, reason: 'no_consent' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } catch {
      res.writeHead(500).end();
    }
  });
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const addr = server.address();
    process.stdout.write(`LISTENING ${typeof addr === 'object' && addr ? addr.port : ''}\n`);
  });
  const stop = async () => {
    server.close();
    await client.quit().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
