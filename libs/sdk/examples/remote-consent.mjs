// Remote consent checks: each answer is the ledger's own GET /consent/validate, cached for ttlMs; with
// `invalidation` the client also follows the consent events topic and drops a subject's cached answers
// as soon as its consent changes. Prints one decision.
//   LEDGER_URL=http://127.0.0.1:3000 LEDGER_API_KEY=pl_... KAFKA_BROKERS=127.0.0.1:9092 \
//     node remote-consent.mjs <user id> [category] [purpose]
import { ConsentClient } from '@privacy-ledger/sdk';

const [userId, category = 'user.contact.email', purpose = 'marketing.communications.email'] = process.argv.slice(2);

const consent = ConsentClient.remote({
  baseUrl: process.env.LEDGER_URL,
  apiKey: process.env.LEDGER_API_KEY, // scope consent:read
  ttlMs: 30_000,
  invalidation: { brokers: process.env.KAFKA_BROKERS.split(',') },
});
await consent.start(); // joins the consent events topic (only with `invalidation`)

const answer = await consent.check(userId, category, purpose); // throws on an HTTP error
console.log(JSON.stringify({ allowed: answer.processing_allowed, reason: answer.reason, legal_basis: answer.legal_basis }));

// isAllowed() never throws: a network error or an error status answers false (deny by default)
if (await consent.isAllowed(userId, category, purpose)) {
  // ...process the data
}
await consent.stop();
