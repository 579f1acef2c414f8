// Local consent checks: answers come from an in-process cache that the ledger's compacted consent-state
// topic keeps current, so the hot path makes no network call. Prints the decision for one user, category
// and purpose, then again each time it changes (a consent recorded, withdrawn, expired, erased).
//   KAFKA_BROKERS=127.0.0.1:9092 PSEUDONYM_SECRET=... node local-consent.mjs <user id> [category] [purpose]
import { ConsentClient } from '@privacy-ledger/sdk';

const [userId, category = 'user.contact.email', purpose = 'marketing.communications.email'] = process.argv.slice(2);

const consent = ConsentClient.local({
  brokers: process.env.KAFKA_BROKERS.split(','),
  // the ledger's PSEUDONYM_SECRET: the client then takes user ids and maps them to the sub_... keys the
  // topic carries (the topic holds no personal data)
  pseudonymSecret: process.env.PSEUDONYM_SECRET,
  onChange: (change) => {
    if (change.subjectKey === subjectKey) print();
  },
});
const subjectKey = consent.subjectKeyOf(userId);

let last = '';
function print() {
  // isAllowed() is the hot-path call (deny by default); check() also says why
  const { allowed, reason } = consent.check(userId, category, purpose);
  const line = JSON.stringify({ allowed, reason });
  if (line !== last) console.log((last = line));
}

await consent.start(); // resolves once the topic has been read to its end
print();
if (consent.isAllowed(userId, category, purpose)) {
  // ...send the newsletter
}

process.once('SIGTERM', async () => {
  await consent.stop();
  process.exit(0);
});
