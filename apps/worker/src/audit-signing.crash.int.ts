import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createAuditUseCases } from '@pl/application/audit';
import { AuditSigner, ensurePublicationSchema, headImprint, signedHeads, verifyHead, verifyTimestampToken } from '@pl/audit';
import { SqlEventStore, type SqlDatabase } from '@pl/eventstore';
import { registerEndpoint, SecretBox, TOPICS, WEBHOOK_SCHEMA } from '@pl/messaging';
import { OutboundPolicy } from '@pl/outbound';
import { auditChainProjection, verifyChain } from '@pl/projections/audit_chain';
import { CHECKPOINT_SCHEMA, ensureProjectionSchema, type AppDeps } from '@pl/application';
import type { Infrastructure } from '../../common/infrastructure';
import type { Metrics } from '../../common/metrics';
import { SQL_BACKENDS, type FreshDatabase } from '../../../test/support/databases';
import { CrashPoint, SimulatedCrash, projectToHead } from '../../../test/support/crash-store';
import { startLocalTsa, type LocalTsa } from '../../../test/support/openssl-tsa';
import { auditSigningProcessManager } from './audit-signing';
import { HeadPublisher } from './audit-heads';

const EVENTS = 10;
const EVERY = 4;
const HOUR = 3_600_000;
const policy = OutboundPolicy.fromSetting('127.0.0.1/32');

/**
 * Crash test of audit head signing and publication (invariant 9): the worker's signing ticks (a
 * head at every 4 events at T1; the scheduled head an interval later at T2) and the head
 * publisher's pass (webhook subscribers, RFC 3161 time stamp) are killed right after each of their
 * steps: a head computed (every query), signed, stored, published, time-stamped (the TSA's answer
 * received, then stored). Restarted at once (a new process: new publisher, same clock), they must
 * end where an uninterrupted run ends: no head lost, none signed twice or with other content (a
 * head stored before the crash is kept as it was), each published once, time-stamped with a token
 * that verifies, and the chain verifies. Signed heads are evidence outside the log, so the state
 * compared is their tables.
 */
describe.each(SQL_BACKENDS)('audit head signing and publication crash test on %s', (_name, open) => {
  jest.setTimeout(600_000);
  let f: FreshDatabase;
  let store: SqlEventStore;
  let tsa: LocalTsa;
  const signer = new AuditSigner(generateKeyPairSync('ed25519').privateKey);
  const headPolicy = { headIntervalMs: HOUR, headsSince: null };
  let T1: Date;
  let T2: Date;

  beforeAll(async () => {
    f = await open();
    store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, auditChainProjection);
    tsa = await startLocalTsa(0);
    await f.db.exec(WEBHOOK_SCHEMA);
    await ensurePublicationSchema(f.db);
    await registerEndpoint(f.db, new SecretBox(randomBytes(32)), { service: 'auditor', url: 'http://127.0.0.1:41001/heads', topics: [TOPICS.auditHeads] }, policy);
    for (let i = 0; i < EVENTS; i++) {
      const now = new Date().toISOString();
      await store.append(`demo-${i}`, [{ type: 'demo.item_added', data: { item: `item ${i}` }, metadata: { event_id: randomUUID(), occurred_at: now, recorded_at: now, actor: 'test', correlation_id: randomUUID(), causation_id: null } }], 'no_stream');
    }
    await projectToHead(f.db, store, auditChainProjection);
    // the events are a minute old at T1; at T2, half an interval later, the scheduled head is due and still covers them in time
    T1 = new Date(Date.now() + 60_000);
    T2 = new Date(T1.getTime() + HOUR / 2);
  });
  afterAll(async () => {
    await tsa?.close();
    await store?.close();
    await f?.drop();
  });

  /** The worker's ticks and the publisher's pass, in order, as one process runs them on `db`, `sign`ing with `key`. */
  function run(db: SqlDatabase, key: AuditSigner, metrics: Metrics): Array<() => Promise<void>> {
    const audit = createAuditUseCases({ db, store } as unknown as AppDeps, { signer: () => key, headPolicy, exportHeadMinIntervalMs: 0, checkpointEvery: EVERY });
    const infra = { app: { audit } } as unknown as Infrastructure;
    return [
      () => auditSigningProcessManager.tick(infra, T1),
      () => auditSigningProcessManager.tick(infra, T2),
      () => new HeadPublisher(db, key, { tsaUrl: tsa.url, outbound: policy, tsaCaCertPem: tsa.caCertPem, metrics }).tick(T2),
    ];
  }

  /** A process that dies after its k-th step: its database session, signer and TSA answers all count as steps. */
  function process(point: CrashPoint) {
    const db = point.wrap(f.db, 'db', ['query', 'exec']);
    const key = point.wrap(signer, 'signer', ['sign']);
    const outboundCalls = point.wrap({ inc: (_labels: object) => undefined }, 'tsa', ['inc']);
    const metrics = { outboundCalls, auditHeadPublications: { inc: () => undefined }, auditHeadPublicationsFailing: { set: () => undefined } } as unknown as Metrics;
    return run(db, key, metrics);
  }

  async function reset(): Promise<void> {
    for (const table of ['audit_signed_heads', 'audit_head_publications', 'webhook_deliveries']) await f.db.exec(`DELETE FROM ${table}`);
  }

  /** The signing and publication tables, without what differs run to run by design (the TSA's token and nonce: checked, not compared). */
  async function endState() {
    const heads = await signedHeads(f.db);
    const publications = await f.db.query('SELECT seq::text AS seq, key_id, channel, link, attempts, last_error, published_at::text AS published_at FROM audit_head_publications ORDER BY seq, channel');
    const deliveries = await f.db.query('SELECT service, event_id, topic, event_type, message_key, headers, body FROM webhook_deliveries ORDER BY event_id');
    return { heads: heads.map(({ timestamp_token: _t, timestamp_nonce: _n, ...h }) => h), publications: publications.rows, deliveries: deliveries.rows };
  }

  async function expectSound(): Promise<void> {
    for (const h of await signedHeads(f.db)) {
      expect(verifyHead(h, signer.publicKeyPem)).toBe(true);
      expect(h.timestamp_token).toBeTruthy();
      expect(() => verifyTimestampToken(Buffer.from(h.timestamp_token!, 'base64'), { sha256: headImprint(h), nonce: Buffer.from(h.timestamp_nonce!, 'hex'), caCertPem: tsa.caCertPem })).not.toThrow();
    }
    expect(await verifyChain(f.db, store, { publicKeyPem: signer.publicKeyPem, ...headPolicy, now: T2 })).toMatchObject({ ok: true });
  }

  it('killed after each step and restarted: the heads, publications and time stamps of an uninterrupted run', async () => {
    await reset();
    const clean = new CrashPoint(Infinity);
    for (const op of process(clean)) await op();
    const reference = await endState();
    const steps = clean.steps;
    // heads at seq 3 and 7 (every 4 events), the scheduled head at seq 9; each on the webhook and time-stamped
    expect(reference.heads.map((h) => [h.seq, h.signed_at])).toEqual([['3', T1.toISOString()], ['7', T1.toISOString()], ['9', T2.toISOString()]]);
    expect(reference.publications.map((p: any) => [p.seq, p.channel, p.attempts])).toEqual(['3', '7', '9'].flatMap((s) => [[s, 'tsa', 1], [s, 'webhook', 1]]));
    expect(reference.deliveries).toHaveLength(3);
    // the steps crashed after include each head's signing, storing, webhook row, TSA answer, stored token and publication marks
    const count = (part: string) => steps.filter((s) => s.includes(part)).length;
    expect(['signer.sign', 'INSERT INTO audit_signed_heads', 'INSERT INTO webhook_deliveries', 'tsa.inc', 'SET timestamp_token', 'INSERT INTO audit_head_publications'].map(count)).toEqual([3, 3, 3, 3, 3, 6]);
    await expectSound();

    for (let k = 1; k <= steps.length; k++) {
      await reset();
      const point = new CrashPoint(k);
      const ops = process(point);
      let crashedIn = -1;
      for (const [i, op] of ops.entries()) {
        try {
          await op();
        } catch (e) {
          if (!(e instanceof SimulatedCrash)) throw e;
          crashedIn = i;
          break;
        }
      }
      expect({ k, step: steps[k - 1], crashed: crashedIn >= 0 }).toEqual({ k, step: steps[k - 1], crashed: true });
      const storedBeforeRestart = (await endState()).heads;
      // the restarted process runs the interrupted tick again, then what follows
      for (const op of process(new CrashPoint(Infinity)).slice(crashedIn)) await op();
      const after = await endState();
      expect({ k, step: steps[k - 1], ...after }).toEqual({ k, step: steps[k - 1], ...reference });
      expect(after.heads).toEqual(expect.arrayContaining(storedBeforeRestart));
      await expectSound();
    }
  });
});
