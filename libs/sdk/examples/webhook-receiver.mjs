// Webhook verification: a receiver for the ledger's webhooks (Standard Webhooks: webhook-id,
// webhook-timestamp, webhook-signature; the secret is the whsec_... returned by POST /webhooks/endpoints).
// Verify the raw body bytes before parsing them; deliveries are at-least-once, so de-duplicate on webhook-id.
// Prints one line per verified event.
//   WEBHOOK_SECRET=whsec_... PORT=8080 node webhook-receiver.mjs
import { createServer } from 'node:http';
import { verifyWebhook } from '@privacy-ledger/sdk';

const secret = process.env.WEBHOOK_SECRET;
const seen = new Set();

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const rawBody = Buffer.concat(chunks);
    const verified = verifyWebhook({ secret, rawBody, headers: req.headers }); // timestamps older than 5 minutes fail too
    if (!verified.ok) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end(verified.reason);
      return;
    }
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.add(id);
      const event = JSON.parse(rawBody.toString('utf8')); // { type, subject_key, data, ... }: no personal data
      console.log(JSON.stringify({ verified: true, type: event.type }));
    }
    res.writeHead(204).end(); // any 2xx acknowledges; anything else is retried with backoff
  });
});
const port = Number(process.env.PORT ?? 8080);
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ listening: port })));

process.once('SIGTERM', () => server.close(() => process.exit(0)));
