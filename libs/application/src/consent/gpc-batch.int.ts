import { randomUUID } from 'node:crypto';
import { consent } from '@pl/domain';
import { createApplication } from '../../../../apps/common/application';
import { loadConfig } from '../../../../apps/common/config';
import { createInfrastructure, type Infrastructure } from '../../../../apps/common/infrastructure';
import { crashingAfter, SimulatedCrash } from '../../../../test/support/crash-store';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import type { CommandContext } from '../commands/command-context';

jest.setTimeout(120_000);

/**
 * Issue 14, open point: `Sec-GPC: 1` on validate/batch appends one opt-out per distinct subject of
 * the batch, inside one call. Not a multi-step flow: each subject's opt-out (with the conflicts it
 * resolves) is one append on that subject's own stream, decided from that stream alone, and no later
 * step depends on an earlier one. A crash between two subjects leaves each subject either opted out
 * or not, never half; the retry (a browser sends the signal with every request) records what is
 * missing and nothing twice: the end state of an uninterrupted batch.
 */
describe.each(SQL_BACKENDS)('validate/batch with Sec-GPC: 1, the process killed between two subjects (%s)', (_name, fresh) => {
  let f: FreshDatabase;
  let infra: Infrastructure;

  beforeAll(async () => {
    f = await fresh();
    const config = loadConfig({ DATA_DIR: '/tmp/pl-gpc-batch-test', MASTER_KEY: Buffer.alloc(32, 6).toString('base64'), PSEUDONYM_SECRET: 'gpc-batch-test-secret-0123456789', ...(f.url ? { DATABASE_URL: f.url } : {}) });
    // no consent projection runs here: the commands wait for no read model, the log is the end state
    infra = await createInfrastructure(config, { db: f.db, readYourWrites: false });
  });
  afterAll(async () => {
    await infra?.close();
    await f?.drop();
  });

  const ctx = (): CommandContext => ({ actor: 'test:gpc-batch', correlationId: randomUUID(), now: new Date() });
  const consented = { data_categories: ['user.contact.email'], processing_purposes: ['marketing.advertising.third_party'], consent_status: 'granted', consent_timestamp: new Date(Date.now() - 1000).toISOString(), legal_basis: 'consent', consent_version: 'v1', consent_metadata: { method: 'checkbox', channel: 'web' } };

  /** Three subjects who consented to third-party advertising; the batch asks about each. */
  async function subjects(run: string): Promise<string[]> {
    const users = ['ann', 'ben', 'cat'].map((u) => `gpc-${u}-${run}@example.com`);
    for (const user_id of users) await infra.app.consent.record({ user_id, ...consented } as never, ctx(), { gpc: false });
    return users;
  }
  const checks = (users: readonly string[]) => users.map((user_id) => ({ user_id, data_category: 'user.contact.email', processing_purpose: 'marketing.advertising.third_party' }));
  /** What the subject's consent stream holds after the consent itself: the types, in order. */
  const after = async (user: string) => (await infra.store.readStream(consent.consentStreamId(infra.pseudonymizer.subject(user)))).events.slice(1).map((e) => e.type);

  it('each subject is opted out by one append or not at all; the retry records what is missing, nothing twice', async () => {
    const reference = await subjects('ref');
    await infra.app.consent.validateBatch(checks(reference), { gpc: true }, ctx());
    const whole = await Promise.all(reference.map(after));
    expect(whole).toEqual(reference.map(() => ['consent.opt_out_recorded', 'consent.opt_out_conflict_recorded']));

    const users = await subjects('crash');
    // the process dies right after the first subject's append
    const dying = createApplication({ ...infra, store: crashingAfter(infra.store, 1) }, infra.config);
    await expect(dying.consent.validateBatch(checks(users), { gpc: true }, ctx())).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await Promise.all(users.map(after))).toEqual([whole[0], [], []]);

    await infra.app.consent.validateBatch(checks(users), { gpc: true }, ctx());
    expect(await Promise.all(users.map(after))).toEqual(whole);
    // and once more: every subject's opt-out stands, nothing is appended
    await infra.app.consent.validateBatch(checks(users), { gpc: true }, ctx());
    expect(await Promise.all(users.map(after))).toEqual(whole);
  });
});
