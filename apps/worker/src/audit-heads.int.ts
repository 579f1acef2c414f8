import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { rebuildProjection } from '@pl/application';
import { AuditSigner, headImprint, publicationBacklog, readPublishedHeads, signedHeads, verifyTimestampToken } from '@pl/audit';
import { LOG_START } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { registerEndpoint, SecretBox, TOPICS, WEBHOOK_SCHEMA } from '@pl/messaging';
import { auditChainProjection, headHealth, signCurrentHead, verifyChain } from '@pl/projections/audit_chain';
import { describeKafka, testKafka } from '../../../libs/messaging/test/kafka-support';
import { freshPostgres, type FreshDatabase } from '../../../test/support/databases';
import { startLocalTsa, type LocalTsa } from '../../../test/support/openssl-tsa';
import { OutboundPolicy } from '@pl/outbound';
import { HeadPublisher } from './audit-heads';

const TSA_PORT = Number(process.env.TSA_TEST_PORT ?? 19153);

describeKafka('publishing signed heads outside the database (Kafka, webhooks, RFC 3161)', () => {
  let fresh: FreshDatabase;
  let store: SqlEventStore;
  let tsa: LocalTsa;
  const signer = new AuditSigner(generateKeyPairSync('ed25519').privateKey);
  const kafka = testKafka('pl-audit-heads-test');
  const publishers: HeadPublisher[] = [];
  const publisher = () => {
    const p = new HeadPublisher(fresh.db, signer, { kafka, tsaUrl: tsa.url, outbound: OutboundPolicy.fromSetting('127.0.0.1/32'), tsaCaCertPem: tsa.caCertPem, backoff: { initialMs: 1000, maxMs: 1000 } });
    publishers.push(p);
    return p;
  };
  const positions: string[] = [];

  async function append(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const r = await store.append(`demo-${i}`, [{ type: 'demo.item_added', data: { item: `milk ${positions.length}` }, metadata: { event_id: randomUUID(), occurred_at: new Date().toISOString(), recorded_at: new Date().toISOString(), actor: 'test', correlation_id: randomUUID(), causation_id: null } }], 'any');
      positions.push(`${r.position.tx}/${r.position.pos}`);
    }
    for (let i = 0; i < 600 && (await store.readAll(LOG_START, { maxCount: positions.length + 1 })).length < positions.length; i++) await new Promise((r) => setTimeout(r, 50));
    await rebuildProjection(fresh.db, store, auditChainProjection);
  }

  /** This key's heads as the compacted topic holds them. */
  async function topicHeads() {
    return (await readPublishedHeads(kafka)).filter((h) => h.key_id === signer.keyId);
  }

  beforeAll(async () => {
    fresh = await freshPostgres('pl_heads_pub');
    store = new SqlEventStore(fresh.db);
    await store.init();
    tsa = await startLocalTsa(TSA_PORT);
    await fresh.db.exec(WEBHOOK_SCHEMA);
    await registerEndpoint(fresh.db, new SecretBox(randomBytes(32)), { service: 'auditor', url: 'http://127.0.0.1:19156/heads', topics: [TOPICS.auditHeads] }, OutboundPolicy.fromSetting('127.0.0.1/32'));
  });
  afterAll(async () => {
    for (const p of publishers) await p.stop();
    await tsa?.close();
    await fresh?.drop();
  });

  it('publishes each head on the compacted topic, to webhook subscribers, and stores a verified RFC 3161 token', async () => {
    await append(5);
    const head = (await signCurrentHead(fresh.db, signer, new Date()))!;
    const p = publisher();
    await p.tick(new Date());
    expect((await topicHeads()).map((h) => [h.seq, h.link])).toEqual([[head.seq, head.link]]);
    const [stored] = await signedHeads(fresh.db);
    expect(stored.timestamp_token).toBeTruthy();
    expect(verifyTimestampToken(Buffer.from(stored.timestamp_token!, 'base64'), { sha256: headImprint(stored), nonce: Buffer.from(stored.timestamp_nonce!, 'hex'), caCertPem: tsa.caCertPem }).tsa).toContain('test TSA');
    const hooks = await fresh.db.query<{ service: string; event_type: string; body: string }>('SELECT service, event_type, body FROM webhook_deliveries');
    expect(hooks.rows).toHaveLength(1);
    expect(hooks.rows[0]).toMatchObject({ service: 'auditor', event_type: 'audit.head_signed' });
    expect(JSON.parse(hooks.rows[0].body)).toMatchObject({ format: 'privacy-ledger/audit-head/v1', seq: head.seq, link: head.link, signature: head.signature });
    expect(p.status()).toMatchObject({ ready: true });
    const topics = await kafka.admin();
    await topics.connect();
    const [config] = (await topics.describeConfigs({ resources: [{ type: 2, name: TOPICS.auditHeads }], includeSynonyms: false })).resources;
    await topics.disconnect();
    expect(config.configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue).toBe('compact');
  });

  it('retries a failed time stamp visibly (status, /health check, backlog) until it succeeds; the other channels do not wait', async () => {
    await append(2);
    const head = (await signCurrentHead(fresh.db, signer, new Date()))!;
    const p = publishers[0];
    tsa.setDown(true);
    const t = new Date();
    await p.tick(t);
    expect((await topicHeads()).map((h) => h.seq)).toContain(head.seq);
    expect(await publicationBacklog(fresh.db)).toEqual([{ channel: 'tsa', failing: 1, oldest_failing_seq: head.seq, last_error: 'the TSA call failed: http_503' }]);
    expect(p.status()).toMatchObject({ ready: false, detail: { failing: { tsa: 1 } } });
    expect(await headHealth(fresh.db, 3_600_000, t)).toMatchObject({ ok: false });
    tsa.setDown(false);
    await p.tick(new Date(t.getTime() + 1500));
    expect(await publicationBacklog(fresh.db)).toEqual([]);
    expect(p.status()).toMatchObject({ ready: true });
    expect((await signedHeads(fresh.db)).every((h) => h.timestamp_token)).toBe(true);
  });

  it('the consistent-rewrite attack: the forged head is not published, a restarted publisher still refuses it, and the topic catches the rewrite', async () => {
    const before = await topicHeads();
    await fresh.db.query(`UPDATE es_events SET data = replace(data, 'milk', 'beer') WHERE global_position = $1`, [positions[2].split('/')[1]]);
    await fresh.db.exec('DROP SCHEMA rm_audit_chain CASCADE');
    await rebuildProjection(fresh.db, store, auditChainProjection);
    await fresh.db.query('DELETE FROM audit_signed_heads');
    expect(await verifyChain(fresh.db, store, { publicKeyPem: signer.publicKeyPem })).toMatchObject({ ok: true }); // the database alone is fooled
    const forged = (await signCurrentHead(fresh.db, signer, new Date()))!; // no interval given: nothing in the database stops it
    // the running publisher remembers the last head it published; a restarted one reads it back from the topic
    for (const [i, p] of [publishers[0], publisher()].entries()) {
      await p.tick(new Date(Date.now() + (i + 1) * 600_000));
      expect(p.status()).toMatchObject({ ready: false, detail: { discontinuity: expect.stringContaining('no longer holds the head published at seq') } });
    }
    expect(await topicHeads()).toEqual(before);
    expect((await publicationBacklog(fresh.db)).every((b) => b.last_error?.startsWith('discontinuity'))).toBe(true);
    const report = await verifyChain(fresh.db, store, { publicKeyPem: signer.publicKeyPem, heldHeads: await topicHeads() });
    expect(report.first_break).toMatchObject({ kind: 'signed_head_mismatch', seq: before[0].seq });
    expect(forged.seq).toBe(before[before.length - 1].seq);
  });
});
