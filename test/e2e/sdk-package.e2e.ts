import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeKafka, KAFKA_BROKERS } from '../../libs/messaging/test/kafka-support';
import { startTestApp, type TestApp } from '../support/app';
import { commandBlocks, fencedBlocks } from '../support/doc-blocks';
import { cleanEnv, freePort, jsonLines } from '../support/processes';
import { requestStatusWhen } from '../support/rights';

/**
 * Issue 17 item 3: libs/sdk as an installable package. `npm pack` (which builds it) in libs/sdk, the
 * tarball installed into a scratch project outside the repository, and there: CommonJS and ESM loads,
 * a TypeScript consumer checked against the shipped declarations, and the README's examples run with
 * plain `node` against a live service and the broker (KAFKA_BROKERS).
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '../..');
const SDK = join(ROOT, 'libs/sdk');
const PSEUDONYM_SECRET = 'test-pseudonym-secret-0123456789'; // test/support/app.ts
const run = promisify(execFile);
/** npm and node for the scratch project: none of this run's npm_* or service variables. */
const scratchEnv = (extra: Record<string, string> = {}) => Object.fromEntries(Object.entries(cleanEnv(extra)).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

interface Installed {
  readonly dir: string;
  readonly packed: string[];
  readonly cleanup: () => void;
}

let installing: Promise<Installed> | null = null;
/** Packs and installs once for the file (both describes use it). */
function installed(): Promise<Installed> {
  installing ??= (async () => {
    const packDir = mkdtempSync(join(tmpdir(), 'pl-sdk-pack-'));
    const dir = mkdtempSync(join(tmpdir(), 'pl-sdk-consumer-'));
    const cleanup = () => [packDir, dir].forEach((d) => rmSync(d, { recursive: true, force: true }));
    try {
      const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: SDK, env: scratchEnv(), maxBuffer: 16 << 20 });
      const [pack] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'sdk-consumer', version: '1.0.0', private: true, type: 'module' }));
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(packDir, pack.filename)], { cwd: dir, env: scratchEnv(), maxBuffer: 16 << 20 });
      // the examples as a service would take them: copied out of the installed package
      cpSync(join(dir, 'node_modules/@privacy-ledger/sdk/examples'), dir, { recursive: true });
      return { dir, packed: pack.files.map((f) => f.path).sort(), cleanup };
    } catch (e) {
      cleanup();
      throw e;
    }
  })();
  return installing;
}
afterAll(async () => (await installing?.catch(() => null))?.cleanup());

const examples = readdirSync(join(SDK, 'examples')).filter((f) => f.endsWith('.mjs')).sort();

describe('the SDK package: npm pack, installed outside the repository', () => {
  let pkg: Installed;
  beforeAll(async () => {
    pkg = await installed();
  }, 180_000);

  it('ships the bundles, their declarations, the README and the examples, and no source', () => {
    expect(pkg.packed).toEqual(['README.md', 'dist/index.cjs', 'dist/index.d.cts', 'dist/index.d.mts', 'dist/index.mjs', ...examples.map((f) => `examples/${f}`), 'package.json'].sort());
    const manifest = JSON.parse(readFileSync(join(pkg.dir, 'node_modules/@privacy-ledger/sdk/package.json'), 'utf8'));
    expect(manifest).toMatchObject({ peerDependencies: { kafkajs: expect.any(String) }, engines: { node: expect.any(String) } });
    expect(manifest.dependencies).toBeUndefined(); // the domain rules it needs are bundled
    // kafkajs, the peer dependency, was installed beside it
    expect(JSON.parse(readFileSync(join(pkg.dir, 'node_modules/kafkajs/package.json'), 'utf8')).version).toMatch(/^2\./);
  });

  it('loads the same API through require and import', async () => {
    const names = async (code: string, type: string) => JSON.parse((await run('node', [`--input-type=${type}`, '-e', code], { cwd: pkg.dir, env: scratchEnv() })).stdout);
    const cjs = await names(`console.log(JSON.stringify(Object.keys(require('@privacy-ledger/sdk')).sort()))`, 'commonjs');
    const esm = await names(`const m = await import('@privacy-ledger/sdk'); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))`, 'module');
    expect(esm).toEqual(cjs);
    expect(cjs).toEqual(expect.arrayContaining(['ConsentClient', 'LocalConsentClient', 'RemoteConsentClient', 'RightsTaskWorker', 'ReceiptClient', 'SubjectKeys', 'verifyWebhook', 'TOPICS']));
  });

  it('its declarations type-check an ESM and a CommonJS consumer and the examples, and refuse misuse', async () => {
    writeFileSync(join(pkg.dir, 'consumer.mts'), [
      `import { ConsentClient, RightsTaskWorker, TOPICS, verifyWebhook, type Evaluation, type EvaluationReason, type LocalConsentClient, type RightsTask, type WebhookVerification } from '@privacy-ledger/sdk';`,
      `import { Kafka } from 'kafkajs';`,
      `const local: LocalConsentClient = ConsentClient.local({ kafka: new Kafka({ brokers: ['127.0.0.1:9092'] }), pseudonymSecret: 'secret' });`,
      `const allowed: boolean = local.isAllowed('u', 'user.contact.email', 'marketing');`,
      `const why: Evaluation = local.check('u', 'user.contact.email', 'marketing');`,
      `const reason: EvaluationReason = why.reason;`,
      `// @ts-expect-error the reasons are a closed list`,
      `const made: EvaluationReason = 'because';`,
      `const topic: 'privacy-ledger.rights.tasks.v1' = TOPICS.rightsTasks;`,
      `const verified: WebhookVerification = verifyWebhook({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', rawBody: Buffer.from('{}'), headers: {} });`,
      `new RightsTaskWorker({ systemId: 'crm', brokers: ['127.0.0.1:9092'], onTask: async (task: RightsTask) => void task.categories.join(',') });`,
      `// @ts-expect-error a misspelt option is refused`,
      `ConsentClient.remote({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'k', ttl: 5 });`,
      `// @ts-expect-error isAllowed answers a boolean`,
      `const n: number = local.isAllowed('u', 'user.contact.email', 'marketing');`,
      `export { allowed, reason, made, topic, verified, n };`,
    ].join('\n'));
    writeFileSync(join(pkg.dir, 'consumer.cts'), [
      `import sdk = require('@privacy-ledger/sdk');`,
      `const remote: sdk.RemoteConsentClient = sdk.ConsentClient.remote({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'k' });`,
      `export const answer: Promise<sdk.ValidationAnswer> = remote.check('u', 'user.contact.email', 'marketing');`,
    ].join('\n'));
    writeFileSync(join(pkg.dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: true,
        allowJs: true, checkJs: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      include: ['*.mts', '*.cts', '*.mjs'],
    }));
    const tsc = await run('node', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', pkg.dir], { cwd: pkg.dir, env: scratchEnv() }).catch((e) => e);
    expect(`${tsc.stdout ?? ''}${tsc.stderr ?? ''}`).toBe('');
  });

  it('the README shows the examples as they are and marks each command', () => {
    const readme = readFileSync(join(SDK, 'README.md'), 'utf8');
    const code = fencedBlocks(readme).filter((b) => b.lang === 'js').map((b) => b.text.trim());
    expect(code.sort()).toEqual(examples.map((f) => readFileSync(join(SDK, 'examples', f), 'utf8').trim()).sort());
    expect(commandBlocks(readme).filter((b) => b.notRun === null && b.runBy === null).map((b) => b.text)).toEqual([]);
    // the main README links it
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('(libs/sdk/README.md)');
  });
});

describeKafka('the SDK examples, installed from the tarball, against a live service and broker', () => {
  let t: TestApp;
  let pkg: Installed;
  const children: ChildProcess[] = [];
  const example = (file: string, args: string[], env: Record<string, string>) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: pkg.dir, env: scratchEnv({ KAFKA_BROKERS: KAFKA_BROKERS.join(','), PSEUDONYM_SECRET, ...env }), stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    return { child, ...jsonLines(child) };
  };
  const consent = (user: string) => ({
    user_id: user, data_categories: ['user.contact.email'], processing_purposes: ['marketing.communications.email'], consent_status: 'granted',
    consent_timestamp: new Date(Date.now() - 1000).toISOString(), legal_basis: 'consent', consent_version: 'v1',
  });

  beforeAll(async () => {
    [pkg, t] = await Promise.all([
      installed(),
      startTestApp({ backend: 'postgres', env: { KAFKA_BROKERS: KAFKA_BROKERS.join(','), OUTBOUND_ALLOWED_PRIVATE_NETWORKS: '127.0.0.1/32' } }),
    ]);
    const deadline = Date.now() + 45_000;
    while ((await t.request('GET', '/health', undefined, null)).body.checks?.kafka_relay?.ok !== true) {
      if (Date.now() > deadline) throw new Error('the relay did not get ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 180_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
    await t?.close();
  });

  it('local-consent.mjs flips to allowed on a consent and back on its withdrawal; remote-consent.mjs agrees with the server', async () => {
    const user = `sdk-${randomUUID()}@example.com`;
    const local = example('local-consent.mjs', [user], {});
    await local.until((l) => l.length >= 1, 60_000, 'the local client to start');
    expect(local.lines[0]).toEqual({ allowed: false, reason: 'unknown_subject' });

    expect((await t.request('POST', '/consent/record', consent(user))).status).toBe(201);
    await local.until((l) => l.length >= 2, 20_000, 'the consent to reach the local client');
    expect(local.lines[1]).toEqual({ allowed: true, reason: 'consent_given' });

    const remote = example('remote-consent.mjs', [user], { LEDGER_URL: t.url, LEDGER_API_KEY: await t.createKey('consent:read') });
    await remote.until((l) => l.length >= 1, 60_000, 'the remote answer');
    expect(remote.lines).toEqual([{ allowed: true, reason: 'consent_given', legal_basis: 'consent' }]);
    await new Promise((r) => remote.child.exitCode !== null ? r(null) : remote.child.once('exit', r));
    expect(remote.child.exitCode).toBe(0);

    expect((await t.request('POST', '/consent/withdraw', { user_id: user, data_categories: ['user.contact.email'] })).status).toBe(200);
    await local.until((l) => l.length >= 3, 20_000, 'the withdrawal to reach the local client');
    expect(local.lines).toEqual([{ allowed: false, reason: 'unknown_subject' }, { allowed: true, reason: 'consent_given' }, { allowed: false, reason: 'consent_withdrawn' }]);
  });

  it('rights-worker.mjs receives an erasure task and its report completes the request', async () => {
    const systemId = `crm-${randomUUID().slice(0, 8)}`;
    const user = `sdk-${randomUUID()}@example.com`;
    expect((await t.request('POST', '/governance/systems', { system_id: systemId, name: 'CRM', owner: 'ops', storage: [{ country: 'DE' }] })).status).toBe(201);
    const worker = example('rights-worker.mjs', [], { SYSTEM_ID: systemId, KNOWN_USERS: user });
    await worker.until((l) => l.some((x) => x.started), 60_000, 'the worker to start');

    const receipt = { user_id: user, system_id: systemId, data_category: 'user.contact.email', processing_purpose: 'marketing', stored_at: new Date(Date.now() - 60_000).toISOString() };
    expect((await t.request('POST', '/privacy/receipts', receipt)).status).toBe(201);
    const erasure = await t.request('POST', '/data-subject/erasure', { user_id: user });
    expect(erasure.status).toBe(202);
    const done = await requestStatusWhen(t, erasure.body.request_id, (s) => s.status === 'completed', 45_000).catch(async (e) => {
      throw new Error(`${e.message}; worker printed ${JSON.stringify(worker.lines)}; health ${JSON.stringify((await t.request('GET', '/health', undefined, null)).body.checks)}`);
    });
    expect(done.tasks).toEqual([expect.objectContaining({ system_id: systemId, status: 'done' })]);
    expect(worker.lines.filter((x) => x.task_id)).toEqual([{ task_id: done.tasks[0].task_id, request_type: 'erasure', outcome: 'done' }]);
  });

  it('webhook-receiver.mjs verifies the service\'s signed deliveries and refuses a tampered one', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/privacy-events`;
    const registered = await t.request('POST', '/webhooks/endpoints', { service: `sdk-${randomUUID().slice(0, 8)}`, url, topics: ['privacy-ledger.consent.events.v1'] });
    expect(registered.status).toBe(201);
    const receiver = example('webhook-receiver.mjs', [], { WEBHOOK_SECRET: registered.body.secret, PORT: String(port) });
    await receiver.until((l) => l.some((x) => x.listening === port), 20_000, 'the receiver to listen');

    expect((await t.request('POST', '/consent/record', consent(`sdk-${randomUUID()}@example.com`))).status).toBe(201);
    await receiver.until((l) => l.some((x) => x.verified), 30_000, 'a verified delivery');
    expect(receiver.lines.filter((x) => x.verified)).toEqual([{ verified: true, type: 'consent.given' }]);

    const now = String(Math.floor(Date.now() / 1000));
    const forged = await fetch(url, { method: 'POST', body: '{"type":"consent.given"}', headers: { 'webhook-id': 'msg_forged', 'webhook-timestamp': now, 'webhook-signature': 'v1,AAAA' } });
    expect({ status: forged.status, reason: await forged.text() }).toEqual({ status: 401, reason: 'bad_signature' });
  });
});
