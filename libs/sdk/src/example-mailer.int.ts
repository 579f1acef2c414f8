import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../../test/support/app';
import { jsonLines } from '../../../test/support/processes';
import { describeKafka, KAFKA_BROKERS } from '../../messaging/test/kafka-support';

const PSEUDONYM_SECRET = 'test-pseudonym-secret-0123456789'; // test/support/app.ts
const ROOT = join(__dirname, '../../..');

interface Line {
  event: string;
  user?: string;
  reason?: string;
  at: string;
}

describeKafka('example service: consent-aware mailer (SDK local mode) run as a process', () => {
  let t: TestApp;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres', env: { KAFKA_BROKERS: KAFKA_BROKERS.join(',') } });
  }, 60_000);
  afterAll(async () => {
    child?.kill('SIGTERM');
    if (child && child.exitCode === null) await new Promise((r) => child!.once('exit', r));
    await t?.close();
  });

  it('sends to subjects with consent and stops for a subject once the withdrawal arrives', async () => {
    const alice = `alice-${randomUUID()}@example.com`;
    const bob = `bob-${randomUUID()}@example.com`;
    for (const user of [alice, bob]) {
      const r = await t.request('POST', '/consent/record', {
        user_id: user, data_categories: ['user.contact.email'], processing_purposes: ['marketing.communications.email'], consent_status: 'granted',
        consent_timestamp: new Date(Date.now() - 1000).toISOString(), legal_basis: 'consent', consent_version: 'v1',
      });
      expect(r.status).toBe(201);
    }
    child = spawn(process.execPath, ['--require', join(ROOT, 'bench/swc-register.js'), join(ROOT, 'examples/consent-aware-mailer/main.ts')], {
      env: { ...process.env, KAFKA_BROKERS: KAFKA_BROKERS.join(','), PSEUDONYM_SECRET, RECIPIENTS: `${alice},${bob}`, INTERVAL_MS: '20' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const { lines, until } = jsonLines<Line>(child);
    await until((seen) => seen.some((l) => l.event === 'sent' && l.user === alice) && seen.some((l) => l.event === 'sent' && l.user === bob), 60_000, 'sends to both');

    const w = await t.request('POST', '/consent/withdraw', { user_id: alice, data_categories: ['user.contact.email'] });
    expect(w.status).toBe(200);
    const withdrawnAt = Date.parse(w.body.withdrawal_timestamp);
    await until((seen) => seen.some((l) => l.event === 'skipped' && l.user === alice), 10_000, 'alice to be skipped');
    const firstSkip = lines.findIndex((l) => l.event === 'skipped' && l.user === alice);
    const bobSendsBefore = lines.filter((l) => l.event === 'sent' && l.user === bob).length;
    await new Promise((r) => setTimeout(r, 500));
    // after the first skip, never another send to alice; bob keeps receiving
    expect(lines.slice(firstSkip).filter((l) => l.event === 'sent' && l.user === alice)).toEqual([]);
    expect(lines.slice(firstSkip).filter((l) => l.user === alice).every((l) => l.reason === 'consent_withdrawn')).toBe(true);
    expect(lines.filter((l) => l.event === 'sent' && l.user === bob).length).toBeGreaterThan(bobSendsBefore);
    // withdrawal to enforcement in the example, for the record
    // eslint-disable-next-line no-console
    console.log(`example mailer: first skip ${Date.parse(lines[firstSkip].at) - withdrawnAt} ms after the withdrawal`);
  }, 120_000);
});
