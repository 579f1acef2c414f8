/**
 * Relay throughput: N consent events already in the log (PostgreSQL), then the relay publishes them
 * all (events topic + compacted state topic, acks=all, idempotent producer) and checkpoints; events/s
 * from start to the checkpoint reaching the head. Needs a broker: KAFKA_BROKERS (see scripts/kafka).
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 bash bench/run.sh bench/propagation-relay.ts [--events 50000] [--subjects 5000] [--batch 1000]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { comparePositions, consent } from '@pl/domain';
import { SqlEventStore, type NewEvent } from '@pl/eventstore';
import { KafkaRelay, brokersFromEnv, consentStateBinding, createKafka } from '@pl/messaging';
import { freshPostgres } from '../test/support/databases';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const EVENTS = Number(arg('events', '50000'));
const SUBJECTS = Number(arg('subjects', '5000'));
const BATCH = Number(arg('batch', '1000'));
const C = 'user.contact.email';
const P = 'marketing.communications.email';

function event(type: string, data: Record<string, unknown>): NewEvent {
  const now = new Date().toISOString();
  return { type, data, metadata: { event_id: randomUUID(), occurred_at: now, recorded_at: now, actor: 'bench', correlation_id: randomUUID(), causation_id: null } };
}

async function main(): Promise<void> {
  const brokers = brokersFromEnv();
  if (!brokers.length) throw new Error('set KAFKA_BROKERS (bash scripts/kafka/kafka-ci.sh start)');
  const fresh = await freshPostgres('pl_bench_relay');
  const store = new SqlEventStore(fresh.db, { batchSize: BATCH });
  await store.init();
  try {
    const subjects = Array.from({ length: SUBJECTS }, () => `sub_${randomBytes(24).toString('base64url').slice(0, 32)}`);
    const open = new Map<string, string>();
    let last = { tx: -1n, pos: -1n };
    const t0 = Date.now();
    // each subject's events go in as one append per round (given, then withdrawn, ...)
    for (let n = 0; n < EVENTS; ) {
      await Promise.all(
        subjects.slice(0, Math.min(SUBJECTS, EVENTS - n)).map(async (s) => {
          const at = new Date().toISOString();
          const current = open.get(s);
          let e: NewEvent;
          if (current) {
            open.delete(s);
            e = event('consent.withdrawn', { subject_key: s, withdrawn_at: at, data_categories: null, processing_purposes: null, affected: [{ category: C, purpose: P, consent_id: current }] });
          } else {
            const id = randomUUID();
            open.set(s, id);
            e = event('consent.given', { consent_id: id, subject_key: s, data_categories: [C], processing_purposes: [P], legal_basis: 'consent', consent_version: 'v1', given_at: at, expires_at: { [P]: new Date(Date.now() + 86400_000 * 365).toISOString() }, renews: [], proof: null, consent_string: null, signal: null, extra: null });
          }
          const r = await store.append(consent.consentStreamId(s), [e], 'any');
          if (comparePositions(r.position, last) > 0) last = r.position;
        }),
      );
      n += Math.min(SUBJECTS, EVENTS - n);
    }
    // the last appended position, not headPosition(): other sessions' open transactions on the shared
    // server hold back the visibility horizon, and the relay must have published everything
    const head = last;
    console.log(`loaded ${EVENTS} events for ${SUBJECTS} subjects in ${Date.now() - t0} ms`);

    const relay = new KafkaRelay(fresh.db, store, { kafka: createKafka({ brokers, clientId: 'bench-relay' }), stateTopics: [consentStateBinding], batchSize: BATCH });
    const started = Date.now();
    relay.start();
    await relay.waitFor(head, 600_000);
    const ms = Date.now() - started;
    const s = relay.status();
    await relay.stop();
    console.log(`load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.log('| events | subjects | store page | time | events/s | messages/s (events + state topics) |');
    console.log('|---|---|---|---|---|---|');
    console.log(`| ${EVENTS.toLocaleString('en-US')} | ${SUBJECTS.toLocaleString('en-US')} | ${BATCH} | ${(ms / 1000).toFixed(2)} s | ${Math.round(EVENTS / (ms / 1000)).toLocaleString('en-US')} | ${Math.round(s.published / (ms / 1000)).toLocaleString('en-US')} |`);
  } finally {
    await store.close();
    await fresh.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
