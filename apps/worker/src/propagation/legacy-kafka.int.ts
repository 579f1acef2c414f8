import { randomUUID } from 'node:crypto';
import { legacyConsentIntake, type LegacyConsentMessage } from '@pl/application/consent';
import { consent, DomainError, type RecordedEvent } from '@pl/domain';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { legacyConsentMessages, LegacyWebhookDispatcher, registerEndpoint, SecretBox, WebhookDeliverer } from '@pl/messaging';
import { OutboundPolicy } from '@pl/outbound';
import { noDnsInTests } from '../../../../test/support/outbound';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { loadConfig } from '../../../common/config';
import { createInfrastructure, type Infrastructure } from '../../../common/infrastructure';
import { startWorker, type RunningWorker } from '../worker';
import pino from 'pino';
import { legacyKafkaServices } from './legacy-kafka';

jest.setTimeout(120_000);

const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();
const given = (userId: string, over: Partial<Extract<LegacyConsentMessage, { kind: 'given' }>> = {}): LegacyConsentMessage => ({
  kind: 'given',
  topic: 'consent.given',
  eventId: randomUUID(),
  userId,
  consentId: randomUUID(),
  timestamp: iso(-60_000),
  dataCategories: ['personal'],
  processingPurposes: ['marketing'],
  consentStatus: 'given',
  legalBasis: 'consent',
  expiryDate: null,
  consentString: null,
  metadata: { userAgent: 'UA', language: 'en' },
  unknownFields: {},
  ...over,
});

describe.each(SQL_BACKENDS)('legacy consent topics without a broker on %s', (name, open) => {
  let fresh: FreshDatabase;
  let infra: Infrastructure;
  let worker: RunningWorker;
  const streamOf = async (user: string) => (await infra.store.readStream(consent.consentStreamId(infra.pseudonymizer.subject(user)))).events;

  beforeAll(async () => {
    fresh = await open();
    const env = {
      MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      DATA_DIR: `/tmp/h-legacy/unused-${name}`,
      KAFKA_BROKERS: '127.0.0.1:1',
      LEGACY_KAFKA_PUBLISH: 'true',
      ...(fresh.url ? { DATABASE_URL: fresh.url } : {}),
    };
    infra = await createInfrastructure(loadConfig(env), { db: fresh.db });
    // projections only: the consent use cases wait for the consent read model (invariant 7)
    worker = await startWorker(infra, { services: [], processManagers: [], eventProcessManagers: [] });
  });
  afterAll(async () => {
    await worker?.stop();
    await infra?.close();
    await fresh?.drop();
  });

  it('a message handled again (redelivered after a crash before the offset commit, or re-produced) records its facts once', async () => {
    const intake = legacyConsentIntake(infra.app.consent);
    const user = `u-${randomUUID()}`;
    const g = given(user);
    await intake(g);
    await intake(g);
    const w: LegacyConsentMessage = { kind: 'ended', topic: 'consent.withdrawn', eventId: randomUUID(), userId: user, timestamp: iso(), consentId: null, dataCategories: [], processingPurposes: null, withdrawalType: 'full', reason: null, requiredActions: [], urgency: 'high', unknownFields: {} };
    await intake(w);
    await intake(w);
    // a new eventId is a new fact: the consent is given again
    await intake({ ...g, eventId: randomUUID() });
    expect((await streamOf(user)).map((e) => e.type)).toEqual(['consent.given', 'consent.withdrawn', 'consent.given']);
    // refused by the consent rules: a DomainError (dead-lettered by the consumer), nothing appended
    await expect(intake(given(user, { dataCategories: ['sensitive'] }))).rejects.toBeInstanceOf(DomainError);
    await expect(intake(given(user, { legalBasis: 'contract' }))).rejects.toBeInstanceOf(DomainError);
    expect(await streamOf(user)).toHaveLength(3);
  });

  it('publishes API facts with the clear id kept encrypted, finds it for an expiry, skips legacy-sourced, unknown and erased subjects', async () => {
    const skipped: string[] = [];
    const publish = legacyConsentMessages({ decode: (es) => infra.codec.decode(es), readStream: (s) => infra.store.readStream(s), onSkipped: (r) => skipped.push(r) });
    const ctx = () => ({ actor: 'apikey:test', correlationId: randomUUID(), now: new Date() });
    const api = `api-${randomUUID()}`;
    await infra.app.consent.record(
      { user_id: api, data_categories: ['user.financial'], processing_purposes: ['analytics'], consent_status: 'granted', consent_timestamp: iso(-1000), expiry_timestamp: iso(1500), legal_basis: 'consent', consent_version: 'v1' },
      ctx(),
      { gpc: false },
    );
    const stored = await streamOf(api);
    expect(JSON.stringify(stored, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(api); // kept encrypted
    await new Promise((r) => setTimeout(r, 1600));
    await infra.app.consent.expireDue(new Date());
    const [g, x] = await publish(await streamOf(api));
    expect(g).toMatchObject({ topic: 'consent.given', key: api, headers: { userId: api, 'pl-origin': 'privacy-ledger' } });
    expect(JSON.parse(g.value!)).toMatchObject({ userId: api, dataCategories: ['financial'], processingPurposes: ['analytics'], consentStatus: 'given' });
    expect(x).toMatchObject({ topic: 'consent.expired', key: api });
    expect((await streamOf(api)).at(-1)!.data.subject_id).toBeUndefined(); // the expiry carries no id: found in the history

    const legacy = `legacy-${randomUUID()}`;
    await legacyConsentIntake(infra.app.consent)(given(legacy));
    expect(await publish(await streamOf(legacy))).toEqual([]);

    // a subject recorded before LEGACY_KAFKA_PUBLISH: its facts carry no id
    const before = `before-${randomUUID()}`;
    const subjectKey = infra.pseudonymizer.subject(before);
    await infra.app.consent.execute(
      { type: 'RecordConsent', subjectKey, consentId: randomUUID(), status: 'given', categories: ['user'], purposes: ['marketing'], basis: 'consent', consentVersion: 'v1', givenAt: iso(-1000), proof: { notice_id: null, notice_version: null, notice_hash: null, privacy_policy_version: null, method: null, channel: null, page: null, language: null, collected_by: null, ip_address: null, user_agent: null }, now: new Date() },
      ctx(),
    );
    expect(await publish(await streamOf(before))).toEqual([]);

    await infra.keys.shred(infra.pseudonymizer.subject(api));
    infra.keys.clearCache?.();
    const events: RecordedEvent[] = await streamOf(api);
    expect(await publish(events)).toEqual([]);
    expect(skipped).toEqual(['no_user_id', 'erased', 'no_user_id']); // an erased subject's expiry: its id was shredded with the key
  });

  it('LEGACY_WEBHOOKS: an endpoint registered for consent.withdrawn receives {userId, requiredActions, deadline}, signed, once per withdrawal', async () => {
    const received: string[] = [];
    const signatures: unknown[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        signatures.push(req.headers['webhook-signature']);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const box = new SecretBox(randomBytes(32));
    const policy = OutboundPolicy.fromSetting('127.0.0.1/32', noDnsInTests);
    const dispatcher = new LegacyWebhookDispatcher(infra.db, infra.store, { decode: (es) => infra.codec.decode(es), readStream: (s) => infra.store.readStream(s) });
    const deliverer = new WebhookDeliverer(infra.db, box, { policy, backoff: { initialMs: 50, maxMs: 200 } });
    try {
      await dispatcher.start();
      await registerEndpoint(infra.db, box, { service: `legacy-${name}`, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, topics: ['consent.withdrawn'] }, policy);
      await deliverer.start();
      const ctx = () => ({ actor: 'apikey:test', correlationId: randomUUID(), now: new Date() });
      const api = `hook-${randomUUID()}`;
      await infra.app.consent.record(
        { user_id: api, data_categories: ['user.contact.email'], processing_purposes: ['marketing'], consent_status: 'granted', consent_timestamp: iso(-1000), legal_basis: 'consent', consent_version: 'v1' },
        ctx(),
        { gpc: false },
      );
      const w = await infra.app.consent.withdraw({ user_id: api, data_categories: [] }, ctx(), { gpc: false });
      // a withdrawal from the legacy topics is delivered too, with the actions its producer asked for
      const legacy = `legacy-${randomUUID()}`;
      const intake = legacyConsentIntake(infra.app.consent);
      await intake(given(legacy));
      await intake({ kind: 'ended', topic: 'consent.withdrawn', eventId: randomUUID(), userId: legacy, timestamp: iso(), consentId: null, dataCategories: ['personal'], processingPurposes: null, withdrawalType: 'partial', reason: null, requiredActions: ['delete_data'], urgency: 'high', unknownFields: {} });
      const t0 = Date.now();
      while (received.length < 2 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
      const bodies = received.map((b) => JSON.parse(b));
      expect(bodies).toEqual(
        expect.arrayContaining([
          { userId: api, requiredActions: ['stop_processing'], deadline: w.withdrawal_timestamp },
          { userId: legacy, requiredActions: ['delete_data'], deadline: expect.any(String) },
        ]),
      );
      expect(bodies).toHaveLength(2);
      expect(signatures.every((sig) => typeof sig === 'string' && sig.startsWith('v1,'))).toBe(true);
      // rows keyed by the pseudonymous stream, never by the user id
      const keys = (await infra.db.query<{ message_key: string }>(`SELECT message_key FROM webhook_deliveries WHERE topic = 'consent.withdrawn'`)).rows.map((r) => r.message_key);
      expect(keys.every((k) => k.startsWith('consent-sub_'))).toBe(true);
    } finally {
      await deliverer.stop();
      await dispatcher.stop();
      await new Promise((r) => server.close(r));
    }
  });

  it('says at start, once and without any id, that the legacy interfaces carry user ids in clear', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const services = legacyKafkaServices(infra, logger);
    expect(services.map((s) => s.name)).toEqual(['legacy_kafka_relay']);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: 40, publish: true, consume: false, topics: ['consent.given', 'consent.withdrawn', 'consent.expired', 'consent.updated'] });
    expect(line.msg).toMatch(/carry user ids in clear/);
  });
});
