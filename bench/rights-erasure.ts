/**
 * Data-subject rights benchmark, on PostgreSQL (a fresh database):
 *
 *  - erasure: a subject with N events (consents with encrypted proofs + processing receipts in 5
 *    systems); time from the erasure request (the rights use case, as the route calls it) to the
 *    `rights.request_completed` record, with the 5 systems simulated as Kafka consumers of the tasks
 *    topic that answer on the results topic (relay -> broker -> systems -> results consumer ->
 *    decider). Needs KAFKA_BROKERS (scripts/kafka/kafka-ci.sh start; env).
 *  - access: the Art. 15 report for a subject with M events (decrypting every consent proof).
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 bash bench/run.sh bench/rights-erasure.ts [--events 1000] [--subjects 5] [--access-events 10000] [--skip-erasure]
 *
 * Prints one line per run and a markdown table (copy it into docs/benchmarks.md, "Rights").
 */
import { randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import type { CommandContext } from '@pl/application';
import type { DomainEvent } from '@pl/domain';
import { consent, taxonomyStamp } from '@pl/domain';
import { requestStreamId } from '@pl/domain/rights';
import { createKafka, KafkaRelay, RightsResultsConsumer, ROUTES, TOPICS, type RightsResultMessage } from '@pl/messaging';
import { consentProjection } from '@pl/projections/consent';
import { rightsProjection } from '@pl/projections/rights';
import { loadConfig } from '../apps/common/config';
import { createInfrastructure, type Infrastructure } from '../apps/common/infrastructure';
import { startWorker } from '../apps/worker/src/worker';
import { rightsVerificationProcessManager } from '@pl/application/rights';
import { rightsResultRecorder } from '../apps/worker/src/rights-results';
import { freshPostgres } from '../test/support/databases';

const SYSTEMS = ['sys-1', 'sys-2', 'sys-3', 'sys-4', 'sys-5'];
const CATEGORIES = ['user.contact.email', 'user.contact.address', 'user.behavior.browsing_history', 'user.device.ip_address'];

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};

const meta = (actor = 'cli:bench') => ({
  event_id: randomUUID(), occurred_at: new Date().toISOString(), recorded_at: new Date().toISOString(), actor, correlation_id: randomUUID(), causation_id: null,
  // as the application stamps every event it makes (an unstamped event is read as one of the taxonomy before fideslang)
  ...taxonomyStamp(),
});

/** `n` events for the subject: half consents (personal fields encrypted by the codec), half receipts spread over the systems. */
async function seedSubject(infra: Infrastructure, userId: string, n: number): Promise<string> {
  const sub = infra.pseudonymizer.subject(userId);
  const consents = Math.floor(n / 2);
  const stream = consent.consentStreamId(sub);
  for (let i = 0; i < consents; i += 100) {
    const batch: DomainEvent[] = [];
    for (let j = i; j < Math.min(consents, i + 100); j++) {
      batch.push({
        type: 'consent.given',
        data: {
          consent_id: randomUUID(), subject_key: sub, data_categories: [CATEGORIES[j % CATEGORIES.length]], processing_purposes: ['marketing'], legal_basis: 'consent',
          consent_version: `v${j}`, given_at: new Date().toISOString(), expires_at: { marketing: new Date(Date.now() + 3e10).toISOString() }, renews: [],
          proof: { notice_id: null, notice_version: null, notice_hash: null, privacy_policy_version: null, method: 'checkbox', channel: 'web', page: '/signup', language: 'en', collected_by: 'bench', ip_address: `203.0.113.${j % 250}`, user_agent: `BenchBrowser/${j}` },
          consent_string: null, signal: null, extra: { email: `${userId}@example.com` },
        },
      });
    }
    // each ciphertext is bound to its event's id (AAD), as handleCommand does: encode with the ids the events get
    const metas = batch.map(() => meta());
    const encoded = await infra.codec.encode(stream, batch, metas.map((m) => m.event_id));
    await infra.store.append(stream, encoded.map((e, k) => ({ type: e.type, data: e.data, metadata: metas[k] })), 'any');
  }
  const receipts = n - consents;
  for (let i = 0; i < receipts; i += 500) {
    const events = [];
    for (let j = i; j < Math.min(receipts, i + 500); j++) {
      events.push({
        type: 'catalog.processing_recorded',
        data: { receipt_id: randomUUID(), subject_key: sub, system_id: SYSTEMS[j % SYSTEMS.length], category: CATEGORIES[j % CATEGORIES.length], purpose: 'marketing', stored_at: new Date().toISOString() },
        metadata: meta(),
      });
    }
    await infra.store.append(`receipts-${sub}`, events, 'any');
  }
  return sub;
}

async function seedCatalog(infra: Infrastructure): Promise<void> {
  await infra.store.append('catalog-activity-bench', [{
    type: 'catalog.activity_registered',
    data: { activity: { activity_id: 'bench', name: 'bench', controller: { name: 'Bench Ltd', contact: 'dpo@bench.example' }, purposes: [{ purpose: 'marketing', lawful_basis: 'consent', categories: [] }], data_categories: CATEGORIES, recipients: [], transfers: [], retention: [], systems: SYSTEMS, risk: {} } },
    metadata: meta(),
  }], 'any');
}

const ctx = (): CommandContext => ({ actor: 'cli:bench', correlationId: randomUUID(), now: new Date() });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const events = Number(arg('events', '1000'));
  const subjects = Number(arg('subjects', '5'));
  const accessEvents = Number(arg('access-events', '10000'));
  const skipErasure = process.argv.includes('--skip-erasure');
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (!skipErasure && !brokers.length) throw new Error('set KAFKA_BROKERS (bash scripts/kafka/kafka-ci.sh start) or pass --skip-erasure');

  const fresh = await freshPostgres('pl_bench_rights');
  const config = loadConfig({ DATABASE_URL: fresh.url!, MASTER_KEY: Buffer.alloc(32, 9).toString('base64'), PSEUDONYM_SECRET: 'bench-pseudonym-secret-0123456789', KAFKA_BROKERS: brokers.join(','), DATA_DIR: '/tmp/pl-bench-rights' });
  const infra = await createInfrastructure(config, { db: fresh.db });
  await seedCatalog(infra);
  const service = infra.app.rights;
  const rows: string[] = [];
  const stops: Array<() => Promise<void>> = [];
  try {
    if (!skipErasure) {
      const kafka = createKafka({ brokers, clientId: 'bench-rights' });
      // A relay for the rights routes only: the seeded consent history is not part of the measurement.
      const relay = new KafkaRelay(infra.db, infra.store, { kafka, name: `relay:bench-${randomUUID().slice(0, 8)}`, routes: ROUTES.filter((r) => r.match.startsWith('rights.')), stateTopics: [] });
      const results = new RightsResultsConsumer({ kafka, groupId: `bench-results-${randomUUID()}`, onResult: rightsResultRecorder(infra), fromBeginning: false });
      // the verification process manager withdraws, shreds, analyses and dispatches once the verification is recorded
      const worker = await startWorker(infra, { projections: [rightsProjection, consentProjection], processManagers: [], eventProcessManagers: [rightsVerificationProcessManager()], services: [] });
      stops.push(() => worker.stop());
      relay.start();
      stops.push(() => relay.stop());
      for (let i = 0; i < 100 && !relay.status().ready; i++) await new Promise((r) => setTimeout(r, 100)); // topics created
      await results.start();
      stops.push(() => results.stop());
      // the 5 systems: each consumes its tasks and answers on the results topic
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      stops.push(() => producer.disconnect());
      const consumer = kafka.consumer({ groupId: `bench-systems-${randomUUID()}`, maxWaitTimeInMs: 20 });
      await consumer.connect();
      await consumer.subscribe({ topic: TOPICS.rightsTasks, fromBeginning: false });
      stops.push(() => consumer.disconnect());
      let seen = 0;
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen++;
          const env = JSON.parse(message.value!.toString('utf8'));
          if (env.type !== 'rights.task_dispatched') return;
          const d = env.data;
          const result: RightsResultMessage = { result_id: randomUUID(), request_id: d.request_id, task_id: d.task_id, system_id: d.system_id, outcome: 'done', records_affected: d.categories.length, reason: null, data: null, reported_at: new Date().toISOString() };
          await producer.send({ topic: TOPICS.rightsResults, acks: -1, messages: [{ key: d.system_id, value: JSON.stringify(result) }] });
        },
      });
      await new Promise((r) => setTimeout(r, 3000)); // consumer group joins
      const timings: Array<{ total: number; call: number; pm: number; cpu: number }> = [];
      for (let s = 0; s < subjects + 1; s++) {
        const user = `bench-user-${randomUUID()}`;
        await seedSubject(infra, user, events);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const id = await service.forAuthenticatedUser(user, 'erasure', 'GDPR', ctx());
        const call = performance.now() - t0;
        for (;;) {
          const { events: evs } = await infra.store.readStream(requestStreamId(id));
          const done = evs.find((e) => e.type === 'rights.request_completed');
          if (done) {
            if (!done.metadata.actor.startsWith('service:sys-')) throw new Error(`completion not caused by a system's result over Kafka (actor ${done.metadata.actor})`);
            break;
          }
          if (performance.now() - t0 > 60_000) throw new Error(`erasure did not complete in 60 s: relay ${JSON.stringify(relay.status())}, results ${JSON.stringify(results.status())}, tasks seen ${seen}, events ${evs.map((e) => e.type).join(',')}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        const total = performance.now() - t0;
        const used = process.cpuUsage(c0);
        const cpu = (used.user + used.system) / 1000;
        // the process manager's part: from the verification recorded to the last task recorded (recorded_at, one clock)
        const { events: trail } = await infra.store.readStream(requestStreamId(id));
        const at = (type: string, last = false) => {
          const hits = trail.filter((e) => e.type === type);
          const e = last ? hits[hits.length - 1] : hits[0];
          return e ? Date.parse(e.metadata.recorded_at) : NaN;
        };
        const pm = at('rights.task_dispatched', true) - at('rights.identity_verified');
        if (s > 0) timings.push({ total, call, pm, cpu }); // the first run warms connections and JIT
        console.log(`erasure ${s === 0 ? '(warm-up) ' : ''}subject with ${events} events, ${SYSTEMS.length} systems: request -> completed ${total.toFixed(0)} ms (request call, the verification recorded: ${call.toFixed(0)} ms; verification -> last task recorded: ${pm} ms)`);
      }
      console.log(`results consumer: ${JSON.stringify(results.status())}; tasks seen by the simulated systems: ${seen}`);
      rows.push(`| erasure, ${events} events, ${SYSTEMS.length} systems over Kafka (request -> completion record) | ${subjects} | ${median(timings.map((t) => t.total)).toFixed(0)} ms | ${Math.min(...timings.map((t) => t.total)).toFixed(0)}-${Math.max(...timings.map((t) => t.total)).toFixed(0)} ms |`);
      rows.push(`| of which the request call (the verification recorded; withdraw, shred, analyse, dispatch follow in the process manager) | ${subjects} | ${median(timings.map((t) => t.call)).toFixed(0)} ms | ${Math.min(...timings.map((t) => t.call)).toFixed(0)}-${Math.max(...timings.map((t) => t.call)).toFixed(0)} ms |`);
      rows.push(`| this process's CPU time (user + system) from the request to the completion record, per erasure | ${subjects} | ${median(timings.map((t) => t.cpu)).toFixed(0)} ms | ${Math.min(...timings.map((t) => t.cpu)).toFixed(0)}-${Math.max(...timings.map((t) => t.cpu)).toFixed(0)} ms |`);
      rows.push(`| verification recorded -> last task recorded (the process manager: withdraw, erase, shred, dispatch) | ${subjects} | ${median(timings.map((t) => t.pm)).toFixed(0)} ms | ${Math.min(...timings.map((t) => t.pm)).toFixed(0)}-${Math.max(...timings.map((t) => t.pm)).toFixed(0)} ms |`);
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      stops.length = 0;
    }

    // access report over a subject with `accessEvents` events (no worker: the projections are rebuilt once)
    const user = `bench-access-${randomUUID()}`;
    await seedSubject(infra, user, accessEvents);
    const worker = await startWorker(infra, { projections: [rightsProjection, consentProjection], processManagers: [], eventProcessManagers: [], services: [] });
    stops.push(() => worker.stop());
    const id = await service.forAuthenticatedUser(user, 'access', 'GDPR', ctx());
    const timings: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const r = await service.access(id, ctx());
      const ms = performance.now() - t0;
      if (i > 0) timings.push(ms);
      console.log(`access report, subject with ${accessEvents} events: ${ms.toFixed(0)} ms (${r.report.consents.length} consents decrypted, ${r.report.receipts.length} receipts)`);
    }
    rows.push(`| access report, subject with ${accessEvents} events (decrypt + build + release record) | ${timings.length} | ${median(timings).toFixed(0)} ms | ${Math.min(...timings).toFixed(0)}-${Math.max(...timings).toFixed(0)} ms |`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await infra.close();
    await fresh.drop();
  }
  console.log(`\nMachine: ${cpus().length} vCPUs (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${new Date().toISOString()}\n`);
  console.log('| measurement | runs | median | range |\n|---|---|---|---|');
  for (const r of rows) console.log(r);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
