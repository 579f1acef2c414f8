import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogUseCases, CHECKPOINT_SCHEMA, ProjectionRunner, handleCommand, readCheckpoint, readFaults, rebuildProjection, type CommandContext } from '@pl/application';
import { LOG_START, catalog, comparePositions, consent, unsafeTextPath, type LogPosition } from '@pl/domain';
import { breachDecider, breachStreamId } from '@pl/domain/breach';
import { requestDecider, requestStreamId } from '@pl/domain/rights';
import { SqlEventStore } from '@pl/eventstore';
import { PROJECTIONS } from '../apps/worker/src/registry';
import { SQL_BACKENDS, tableDump, type FreshDatabase } from '../test/support/databases';
import { getBreach } from './breach_register';
import { entities } from './catalog';
import { readWholeLog } from './catalog/int-helpers';
import { loadSnapshot } from './consent';

jest.setTimeout(180_000);

/**
 * Old data (ARCHITECTURE invariant 10): events appended before the edge refused NUL and lone
 * surrogates, straight into the log through the deciders (no HTTP), in free text, metadata and ids
 * of every context. Every read model must project them, store them in the escaped form
 * (U+FDD0 + four hex digits) and rebuild them; consent enforcement must go on.
 */
const POISON = '\u0000\ud800';
const ESCAPED = '\uFDD00000\uFDD0D800';
const T0 = new Date('2026-03-02T08:00:00.000Z');
const ctx = (now = T0): CommandContext => ({ actor: `cli:old${POISON}`, correlationId: randomUUID(), now });
const subject = `sub_${'P'.repeat(32)}`;
const EMAIL = 'user.contact.email';
const MARKETING = 'marketing.communications.email';

describe.each(SQL_BACKENDS)('a log holding NUL and lone surrogates, on %s', (_name, open) => {
  let f: FreshDatabase;
  let store: SqlEventStore;
  let last: LogPosition = LOG_START;
  const runners: ProjectionRunner[] = [];
  const breachId = randomUUID();
  const requestId = randomUUID();
  const track = (r: { appended: { position: LogPosition } | null }) => {
    if (r.appended && comparePositions(r.appended.position, last) > 0) last = r.appended.position;
  };
  const consentCmd = async (c: consent.ConsentCommand) => track(await handleCommand(store, consent.consentDecider, consent.consentStreamId(subject), c, ctx()));
  const reachedHead = async (names: readonly string[], timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const cps = await Promise.all(names.map((n) => readCheckpoint(f.db, n)));
      if (cps.every((cp) => cp && comparePositions(cp.position, last) >= 0)) return;
      if (Date.now() > deadline) throw new Error(`not at the head: ${names.filter((_, i) => !cps[i] || comparePositions(cps[i]!.position, last) < 0).join(', ')}; stuck: ${JSON.stringify(await readFaults(f.db))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const validate = async () => consent.evaluate(await loadSnapshot(f.db, subject), { category: EMAIL, purpose: MARKETING, now: new Date('2026-04-01T00:00:00.000Z'), declaredBases: [], traits: consent.purposeTraits(MARKETING, EMAIL) });

  beforeAll(async () => {
    f = await open();
    store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);

    const manifest = catalog.parseManifestYaml(readFileSync(join(__dirname, '../examples/manifests/online-shop.yaml'), 'utf8')).manifest as any;
    manifest.systems[0].name = `${manifest.systems[0].name}${POISON}`;
    const applied = await catalogUseCases({ store }).applyManifest(manifest, ctx());
    expect(applied.appended).toBeGreaterThan(0);
    track({ appended: { position: await store.headPosition() } });

    await consentCmd({
      type: 'RecordConsent', subjectKey: subject, consentId: `c1${POISON}`, status: 'given', categories: [EMAIL], purposes: [MARKETING], basis: 'consent',
      consentVersion: `v1${POISON}`, givenAt: T0.toISOString(), expiresAt: null, now: new Date(T0.toISOString()),
      proof: { notice_id: `n${POISON}`, notice_version: null, notice_hash: null, privacy_policy_version: null, method: 'api', channel: null, page: null, language: null, collected_by: `desk${POISON}`, ip_address: null, user_agent: null },
    });

    track(await handleCommand(store, breachDecider, breachStreamId(breachId), {
      type: 'DetectBreach', breachId: breachId, awareAt: T0.toISOString(), source: 'internal_monitoring', description: `dump found${POISON}`,
      reporterRole: 'security_operations', systems: ['crm'], knownSystems: ['crm'], now: T0,
    }, ctx()));

    const rights = async (c: Parameters<typeof requestDecider.decide>[0]) => track(await handleCommand(store, requestDecider, requestStreamId(requestId), c, ctx()));
    await rights({ type: 'ReceiveRequest', requestId, subjectKey: subject, requestType: 'erasure', jurisdiction: 'GDPR', channel: 'api', openRequests: [], now: T0 });
    await rights({ type: 'VerifyIdentity', evidence: { method: 'documents' }, now: T0 });
    await rights({
      type: 'DispatchTasks',
      tasks: [{ taskId: `${requestId}:crm`, systemId: `crm${POISON}`, integration: 'manual', categories: [EMAIL], retained: [{ system_id: 'crm', category: EMAIL, reason_code: 'legal_obligation', source: 'GDPR Art. 17(3)(b)', explanation: `tax${POISON}`, retain_until: '2033-03-04' }] }],
      now: T0,
    });
  });
  afterAll(async () => {
    for (const r of runners.splice(0)) await r.stop();
    await store.close();
    await f.drop();
  });

  it('holds the values as appended: the log stores them (as JSON text), the edge check would refuse them', async () => {
    const events = await readWholeLog(store, f.db);
    const poisoned = events.filter((e) => unsafeTextPath(e.data) || unsafeTextPath(e.metadata));
    expect(new Set(poisoned.map((e) => e.type.split('.')[0]))).toEqual(new Set(['catalog', 'consent', 'breach', 'rights']));
  });

  it('every projection reaches the head, nothing stuck, values stored escaped; validate allows, a later withdrawal denies', async () => {
    for (const def of PROJECTIONS) {
      const r = new ProjectionRunner(f.db, store, def, { errorRetryMs: 50, maxErrorRetryMs: 200 });
      runners.push(r);
      await r.start();
    }
    await reachedHead(PROJECTIONS.map((p) => p.name));
    expect(runners.map((r) => r.status().stuck)).toEqual(PROJECTIONS.map(() => null));
    expect(await readFaults(f.db)).toEqual([]);

    const snapshot = JSON.stringify(await loadSnapshot(f.db, subject));
    expect(snapshot).toContain(`v1${ESCAPED}`);
    expect(snapshot).not.toMatch(/\\u0000|\\ud800/i);
    expect(JSON.stringify(await getBreach(f.db, breachId, T0))).toContain(`dump found${ESCAPED}`);
    expect((await entities(f.db, 'system')).some((e: any) => JSON.stringify(e).includes(ESCAPED))).toBe(true);
    const task = (await f.db.query<{ system_id: string }>('SELECT system_id FROM rm_rights.tasks')).rows;
    expect(task.map((t) => t.system_id)).toEqual([`crm${ESCAPED}`]);

    expect(await validate()).toMatchObject({ allowed: true });
    await consentCmd({ type: 'WithdrawConsent', subjectKey: subject, categories: [EMAIL], purposes: [MARKETING], now: new Date(T0.toISOString()) });
    await reachedHead(['consent']);
    expect(await validate()).toMatchObject({ allowed: false });
  });

  it('every projection rebuilds by replay to identical content, checkpoint at the head (invariant 1)', async () => {
    for (const r of runners.splice(0)) await r.stop();
    for (const def of PROJECTIONS) {
      const before = await tableDump(f.db, `rm_${def.name}`);
      await rebuildProjection(f.db, store, def);
      expect(await tableDump(f.db, `rm_${def.name}`)).toEqual(before);
      expect(comparePositions((await readCheckpoint(f.db, def.name))!.position, last)).toBeGreaterThanOrEqual(0);
    }
  });
});
