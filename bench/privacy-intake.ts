/**
 * Privacy event intake throughput (issue 16): processing events (data_accessed|modified|deleted|exported)
 * through the intake topic (the worker's consumer: one append per fetched batch) and over HTTP batches
 * (POST /privacy/events), on PostgreSQL with the encrypting store (event_data is a personal field).
 * A share of the events is sent twice; the bench then counts the facts in the log: every event once,
 * no repeat recorded, nothing dead-lettered. Needs a broker: KAFKA_BROKERS (scripts/kafka/kafka-ci.sh).
 *
 * `--db pglite` runs it on the embedded default instead (in memory, in this process: its CPU is this
 * process's).
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 bash bench/run.sh bench/privacy-intake.ts [--db postgres|pglite] [--events 100000] [--subjects 10000] [--dup 0.1] [--http-events 20000] [--http-batch 250] [--http-concurrency 4] [--details yes|no]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { brokersFromEnv, createKafka, TOPICS } from '@pl/messaging';
import { loadConfig } from '../apps/common/config';
import { createInfrastructure } from '../apps/common/infrastructure';
import { createLogger } from '../apps/common/logger';
import { createApiApp } from '../apps/api/src/bootstrap';
import { privacyIntakeService } from '../apps/worker/src/privacy-intake';
import { freshPglite, freshPostgres } from '../test/support/databases';
import { CLK_TCK, cpuTicks } from './timing';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const EVENTS = Number(arg('events', '100000'));
const SUBJECTS = Number(arg('subjects', '10000'));
const DUP = Number(arg('dup', '0.1'));
const HTTP_EVENTS = Number(arg('http-events', '20000'));
const HTTP_BATCH = Number(arg('http-batch', '250'));
const HTTP_CONCURRENCY = Number(arg('http-concurrency', '4'));
const DETAILS = arg('details', 'yes') === 'yes';
const DB = arg('db', 'postgres');
const TYPES = ['data_accessed', 'data_modified', 'data_deleted', 'data_exported'];
const CATEGORIES = ['user.contact.email', 'user.contact.phone_number', 'user.financial', 'user.device.ip_address'];

const run = randomUUID().slice(0, 8);
const event = (i: number, prefix: string) => ({
  event_id: `${prefix}-${run}-${i}`,
  event_type: TYPES[i % TYPES.length],
  user_id: `bench-user-${i % SUBJECTS}@example.com`,
  timestamp: new Date(Date.now() - 60_000).toISOString(),
  service_name: `service-${i % 7}`,
  data_categories: [CATEGORIES[i % CATEGORIES.length]],
  processing_purposes: ['essential.service'],
  legal_basis: 'contract',
  event_data: DETAILS ? { record: `r-${i}`, fields: ['email'] } : {},
  correlation_id: null,
});

const count = async (db: { query: (sql: string, p?: unknown[]) => Promise<{ rows: any[] }> }, prefix: string) =>
  (
    await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT data::json->>'source_event_id')::int AS distinct_ids FROM es_events WHERE type = 'intake.processing_logged' AND data::json->>'source_event_id' LIKE $1`,
      [`${prefix}-${run}-%`],
    )
  ).rows[0] as { n: number; distinct_ids: number };

/**
 * CPU time of this process and of the database's server processes (read from /proc while the
 * phase runs; PostgreSQL on this machine): on a shared machine the wall time says more about the
 * load than about the code, the CPU seconds per event do not.
 */
function cpuMeter(db: { kind: string; query: (sql: string) => Promise<{ rows: any[] }> }) {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async () => {
    if (db.kind !== 'postgres') return;
    const pids = (await db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => Number(r.pid));
    for (const pid of pids) {
      const t = cpuTicks(pid);
      if (t === null) continue;
      if (!first.has(pid)) first.set(pid, t);
      last.set(pid, t);
    }
  };
  const node0 = process.cpuUsage();
  return {
    sample,
    done: async () => {
      await sample();
      const node = process.cpuUsage(node0);
      let db = 0;
      for (const [pid, t] of last) db += t - first.get(pid)!;
      return { nodeS: (node.user + node.system) / 1e6, dbS: first.size ? db / CLK_TCK : null };
    },
  };
}
const perEvent = (seconds: number, events: number) => Math.round((seconds * 1e6) / events);
const cpuText = (c: { nodeS: number; dbS: number | null }, events: number) =>
  `CPU: this process ${c.nodeS.toFixed(1)} s (${perEvent(c.nodeS, events)} µs per event), PostgreSQL ${c.dbS === null ? (DB === 'pglite' ? 'in this process' : 'n/a') : `${c.dbS.toFixed(1)} s (${perEvent(c.dbS, events)} µs per event)`}; together ${perEvent(c.nodeS + (c.dbS ?? 0), events)} µs per event`;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

async function main(): Promise<void> {
  const brokers = brokersFromEnv();
  if (!brokers.length) throw new Error('set KAFKA_BROKERS (bash scripts/kafka/kafka-ci.sh start)');
  const fresh = DB === 'pglite' ? await freshPglite() : await freshPostgres('pl_bench_intake');
  const config = loadConfig({ ...(fresh.url ? { DATABASE_URL: fresh.url } : { DATA_DIR: mkdtempSync(join(tmpdir(), 'pl-bench-intake-')) }), MASTER_KEY: Buffer.alloc(32, 9).toString('base64'), PSEUDONYM_SECRET: 'bench-pseudonym-secret-0123456789', KAFKA_BROKERS: brokers.join(',') });
  const infra = await createInfrastructure(config, { db: fresh.db, readYourWrites: false });
  const rows: string[] = [];
  try {
    // topic: everything produced first, then the consumer drains it (timed from its group join)
    const topic = `${TOPICS.privacyEvents}.bench-${run}`;
    const kafka = createKafka({ brokers, clientId: 'bench-intake' });
    const producer = kafka.producer();
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const dups = Math.floor(EVENTS * DUP);
    const t0 = Date.now();
    for (let i = 0; i < EVENTS + dups; i += 5000) {
      const messages = [];
      for (let k = i; k < Math.min(i + 5000, EVENTS + dups); k++) {
        const e = event(k < EVENTS ? k : (k - EVENTS) * 7 % EVENTS, 'topic');
        messages.push({ key: e.user_id.replace(/@.*/, ''), value: JSON.stringify(e) });
      }
      await producer.send({ topic, messages });
    }
    await producer.disconnect();
    console.log(`produced ${EVENTS} events + ${dups} repeats in ${Date.now() - t0} ms`);
    const service = privacyIntakeService(infra, undefined, { topic, groupId: `bench-intake-${run}` });
    const topicLoad = load();
    await service.consumer.start();
    const started = Date.now();
    const topicCpu = cpuMeter(infra.db);
    for (let n = 0; service.consumer.status().handled + service.consumer.status().deadLettered < EVENTS + dups; n++) {
      if (Date.now() - started > 900_000) throw new Error(`gave up: ${JSON.stringify(service.consumer.status())}`);
      if (n % 25 === 0) await topicCpu.sample();
      await new Promise((r) => setTimeout(r, 20));
    }
    const topicMs = Date.now() - started;
    const topicCpuUse = await topicCpu.done();
    const status = service.consumer.status();
    await service.stop();
    const topicCount = await count(infra.db, 'topic');
    const topicOk = topicCount.n === EVENTS && topicCount.distinct_ids === EVENTS && status.deadLettered === 0;
    rows.push(
      `| topic | ${EVENTS.toLocaleString('en-US')} + ${dups.toLocaleString('en-US')} repeats | ${status.batches} fetched batches | ${(topicMs / 1000).toFixed(2)} s | ${Math.round((EVENTS + dups) / (topicMs / 1000)).toLocaleString('en-US')} | ${topicCount.n.toLocaleString('en-US')} facts, ${topicCount.distinct_ids.toLocaleString('en-US')} distinct: lost ${EVENTS - topicCount.distinct_ids}, duplicates recorded ${topicCount.n - topicCount.distinct_ids}, dead-lettered ${status.deadLettered}: ${topicOk ? 'ok' : 'MISMATCH'} |`,
    );

    // HTTP: batches of HTTP_BATCH over HTTP_CONCURRENCY connections, a share sent twice
    const { app, apiKeys } = await createApiApp(infra, { logger: createLogger('silent'), worker: null });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const { key } = await apiKeys.create('bench', ['receipts:write']);
    const httpDups = Math.floor(HTTP_EVENTS * DUP);
    const all = [...Array.from({ length: HTTP_EVENTS }, (_, i) => event(i, 'http')), ...Array.from({ length: httpDups }, (_, i) => event((i * 7) % HTTP_EVENTS, 'http'))];
    const batches: unknown[][] = [];
    for (let i = 0; i < all.length; i += HTTP_BATCH) batches.push(all.slice(i, i + HTTP_BATCH));
    let next = 0;
    const outcomes = { recorded: 0, duplicates: 0, refused: 0 };
    const httpLoad = load();
    const h0 = Date.now();
    const httpCpu = cpuMeter(infra.db);
    const sampling = setInterval(() => void httpCpu.sample().catch(() => undefined), 500);
    await Promise.all(
      Array.from({ length: HTTP_CONCURRENCY }, async () => {
        while (next < batches.length) {
          const batch = batches[next++];
          const res = await fetch(`${url}/privacy/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ events: batch }) });
          const body = (await res.json()) as typeof outcomes;
          if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
          outcomes.recorded += body.recorded;
          outcomes.duplicates += body.duplicates;
          outcomes.refused += body.refused;
        }
      }),
    );
    const httpMs = Date.now() - h0;
    clearInterval(sampling);
    const httpCpuUse = await httpCpu.done();
    await app.close();
    const httpCount = await count(infra.db, 'http');
    const httpOk = httpCount.n === HTTP_EVENTS && httpCount.distinct_ids === HTTP_EVENTS && outcomes.recorded === HTTP_EVENTS && outcomes.duplicates === httpDups && outcomes.refused === 0;
    rows.push(
      `| HTTP, ${HTTP_BATCH} per request, ${HTTP_CONCURRENCY} concurrent | ${HTTP_EVENTS.toLocaleString('en-US')} + ${httpDups.toLocaleString('en-US')} repeats | ${batches.length} requests | ${(httpMs / 1000).toFixed(2)} s | ${Math.round(all.length / (httpMs / 1000)).toLocaleString('en-US')} | ${httpCount.n.toLocaleString('en-US')} facts, ${httpCount.distinct_ids.toLocaleString('en-US')} distinct: lost ${HTTP_EVENTS - httpCount.distinct_ids}, duplicates recorded ${httpCount.n - httpCount.distinct_ids}; answered ${outcomes.recorded} recorded, ${outcomes.duplicates} duplicate, ${outcomes.refused} refused: ${httpOk ? 'ok' : 'MISMATCH'} |`,
    );
    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average (1, 5, 15 min) at the topic phase's start ${topicLoad}, the HTTP phase's ${httpLoad}, the end ${load()}; ${new Date().toISOString()}; node ${process.version} ${process.execArgv.filter((a) => a.startsWith('--max') || a.startsWith('--min')).join(' ')}${process.env.NODE_OPTIONS ? ` NODE_OPTIONS=${process.env.NODE_OPTIONS}` : ''}`);
    console.log(`database: ${DB === 'pglite' ? 'PGlite (embedded, in memory)' : 'PostgreSQL'}`);
    console.log(`subjects ${SUBJECTS.toLocaleString('en-US')}, event_data ${DETAILS ? 'present (encrypted with each subject\'s key)' : 'empty'}`);
    console.log('| path | events sent | units | time | events/s (sent) | verified |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    console.log(`topic ${cpuText(topicCpuUse, EVENTS + dups)}`);
    console.log(`HTTP ${cpuText(httpCpuUse, all.length)}`);
    if (!topicOk || !httpOk) process.exitCode = 1;
  } finally {
    await infra.close();
    await fresh.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
