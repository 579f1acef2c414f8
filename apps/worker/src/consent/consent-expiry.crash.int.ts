import { CHECKPOINT_SCHEMA, ensureProjectionSchema } from '@pl/application';
import { consent } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { consentProjection } from '@pl/projections/consent';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { givenEvent } from '../../../../test/support/consent-events';
import { expectSameFactsAfterEachCrash, projectToHead, type CrashWorld } from '../../../../test/support/crash-store';
import { newEvent } from '../../../../libs/messaging/test/kafka-support';
import type { AppDeps } from '@pl/application';
import { expireDueConsents } from '@pl/application/consent/expiry';

const NOW = new Date('2027-06-01T00:00:00.000Z');
const SUBJECTS = ['sub_EXPIRYEXPIRYEXPIRYEXPIRYEXPIRY01', 'sub_EXPIRYEXPIRYEXPIRYEXPIRYEXPIRY02', 'sub_EXPIRYEXPIRYEXPIRYEXPIRYEXPIRY03'];

/**
 * Crash test of the consent expiry process manager: a tick interrupted right after each of its
 * appends, then ticks run again, leaves the log an uninterrupted run leaves (same facts, none twice).
 */
describe.each(SQL_BACKENDS)('consent expiry crash test on %s', (_name, open) => {
  jest.setTimeout(300_000);

  async function world(): Promise<CrashWorld & { f: FreshDatabase }> {
    const f = await open();
    const store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, consentProjection);
    for (const [i, s] of SUBJECTS.entries()) {
      const g = givenEvent({ subject_key: s, consent_id: `c${i}`, until: `2027-0${i + 1}-01T00:00:00.000Z` });
      await store.append(consent.consentStreamId(s), [newEvent(g.type, g.data as never)], 'no_stream');
    }
    const project = () => projectToHead(f.db, store, consentProjection);
    await project();
    return { f, store, project, close: async () => { await store.close(); await f.drop(); } };
  }

  it('interrupted after each append, then run again: the log equals an uninterrupted run', async () => {
    // the expiry use case reads the read model and appends; nothing else of AppDeps is used by it
    const { facts, appends } = await expectSameFactsAfterEachCrash({ world, tick: (w, store) => expireDueConsents({ db: w.f.db, store } as AppDeps)(NOW) });
    expect(facts.filter((x) => x.includes('"consent.expired"'))).toHaveLength(SUBJECTS.length);
    expect(appends).toBe(SUBJECTS.length);
  });
});
