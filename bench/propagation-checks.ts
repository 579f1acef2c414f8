/**
 * SDK local-mode checks per second, in process: `LocalConsentClient.isAllowed` over a cache of N
 * subjects (real ConsentSnapshots folded with the consent decider), by subject key and by user id.
 * No broker needed: the cache is filled through the same `apply` the Kafka consumer calls.
 *
 *   bash bench/run.sh bench/propagation-checks.ts [--subjects 100000] [--seconds 5]
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { consent } from '@pl/domain';
import { Pseudonymizer } from '@pl/crypto';
import { HEADERS, LocalConsentClient } from '@pl/sdk';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const N = Number(arg('subjects', '100000'));
const SECONDS = Number(arg('seconds', '5'));
const SECRET = 'bench-pseudonym-secret-0123456789abcdef';
const C = 'user.contact.email';
const P = 'marketing.communications.email';

function snapshotFor(subject: string, i: number): consent.ConsentSnapshot {
  const now = Date.now();
  let s = consent.evolve(consent.initialConsentState(), {
    type: 'consent.given',
    data: {
      consent_id: randomUUID(), subject_key: subject, data_categories: [C, 'user.behavior'], processing_purposes: [P, 'analytics'], legal_basis: 'consent', consent_version: 'v1',
      given_at: new Date(now - 1000).toISOString(), expires_at: { [P]: new Date(now + 86400_000).toISOString(), analytics: new Date(now + 86400_000).toISOString() },
      renews: [], proof: null as any, consent_string: null, signal: null, extra: null,
    },
  });
  if (i % 3 === 0) {
    s = consent.evolve(s, { type: 'consent.withdrawn', data: { subject_key: subject, withdrawn_at: new Date(now).toISOString(), data_categories: [C], processing_purposes: null, affected: [{ category: C, purpose: P, consent_id: s.grants[consent.grantKey(C, P)].consent_id }] } });
  }
  return consent.snapshotOf(s);
}

function run(label: string, client: LocalConsentClient, ids: string[]): { label: string; perSecond: number; allowed: number } {
  // warm-up: every subject once (first answers are evaluated, later ones come from the per-subject decision cache)
  for (let i = 0; i < Math.max(200_000, ids.length); i++) client.isAllowed(ids[i % ids.length], C, P);
  let n = 0;
  let allowed = 0;
  const mask = ids.length;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(SECONDS) * 1_000_000_000n;
  let now = process.hrtime.bigint();
  while (now < end) {
    for (let k = 0; k < 10_000; k++) {
      if (client.isAllowed(ids[(n + k * 7919) % mask], C, P)) allowed++;
    }
    n += 10_000;
    now = process.hrtime.bigint();
  }
  const secs = Number(now - t0) / 1e9;
  return { label, perSecond: n / secs, allowed: allowed / n };
}

async function main(): Promise<void> {
  const pseudo = new Pseudonymizer(SECRET);
  const client = new LocalConsentClient({ brokers: ['127.0.0.1:1'], pseudonymSecret: SECRET });
  const users: string[] = [];
  const keys: string[] = [];
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const user = `user-${i}@example.com`;
    const key = pseudo.subject(user);
    users.push(user);
    keys.push(key);
    const snap = snapshotFor(key, i);
    client.apply({ key: Buffer.from(key), value: Buffer.from(JSON.stringify({ subject_key: key, event_id: randomUUID(), event_type: 'consent.given', revision: String(snap.events - 1), updated_at: '', state: snap })), headers: { [HEADERS.eventId]: Buffer.from(randomUUID()) } });
  }
  const loadMs = Date.now() - t0;
  const results = [run('by subject key', client, keys), run(`by user id (HMAC memoised, ${N} ids)`, client, users)];
  console.log(`subjects: ${N}, cache fill ${loadMs} ms (${Math.round(N / (loadMs / 1000))} snapshots/s), heap ${Math.round(process.memoryUsage().heapUsed / 1048576)} MiB, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('| lookup | checks/s | allowed share |');
  console.log('|---|---|---|');
  for (const r of results) console.log(`| ${r.label} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${(r.allowed * 100).toFixed(0)}% |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
