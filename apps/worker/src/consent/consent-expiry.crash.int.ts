import { CHECKPOINT_SCHEMA, applyBatch, ensureProjectionSchema, readCheckpoint } from '@pl/application';
import { LOG_START, consent } from '@pl/domain';
import { SqlEventStore } from '@pl/eventstore';
import { consentProjection } from '@pl/projections/consent';
import { SQL_BACKENDS, type FreshDatabase } from '../../../../test/support/databases';
import { givenEvent } from '../../../../test/support/consent-events';
import { SimulatedCrash, crashingAfter, factsOf } from '../../../../test/support/crash-store';
import { newEvent } from '../../../../libs/messaging/test/kafka-support';
import type { AppDeps } from '@pl/application';
import { expireDueConsents } from '@pl/application/consent/expiry';

/** The expiry use case on this store (it reads the read model and appends; nothing else of AppDeps is used by it). */
const expire = (deps: Pick<AppDeps, 'db' | 'store'>, now: Date) => expireDueConsents(deps as AppDeps)(now);

const NOW = new Date('2027-06-01T00:00:00.000Z');
const SUBJECTS = ['sub_EXPIRYEXPIRYEXPIRYEXPIRYEXPIRY01', 'sub_EXPIRYEXPIRYEXPIRYEXPIRYEXPIRY02', 'sub_EXPIRYEXPIRYEXPIRYEXPIRYEXPIRY03'];

/**
 * Crash test of the consent expiry process manager: a tick interrupted right after each of its
 * appends, then ticks run again, leaves the log an uninterrupted run leaves (same facts, none twice).
 */
describe.each(SQL_BACKENDS)('consent expiry crash test on %s', (_name, open) => {
  jest.setTimeout(300_000);

  async function world(): Promise<{ f: FreshDatabase; store: SqlEventStore; project: () => Promise<void> }> {
    const f = await open();
    const store = new SqlEventStore(f.db);
    await store.init();
    await f.db.exec(CHECKPOINT_SCHEMA);
    await ensureProjectionSchema(f.db, consentProjection);
    for (const [i, s] of SUBJECTS.entries()) {
      const g = givenEvent({ subject_key: s, consent_id: `c${i}`, until: `2027-0${i + 1}-01T00:00:00.000Z` });
      await store.append(consent.consentStreamId(s), [newEvent(g.type, g.data as never)], 'no_stream');
    }
    const project = async () => {
      const cp = await readCheckpoint(f.db, consentProjection.name);
      const events = await store.readAll(cp?.position ?? LOG_START);
      if (events.length) await applyBatch(f.db, consentProjection, events, events[events.length - 1].position);
    };
    await project();
    return { f, store, project };
  }

  /** Ticks (projecting between them, as the worker's projections do) until a tick appends nothing. */
  async function tickUntilQuiet(w: { f: FreshDatabase; store: SqlEventStore; project: () => Promise<void> }): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await w.project();
      if ((await expire({ db: w.f.db, store: w.store }, NOW)) === 0) return;
    }
    throw new Error('the expiry ticks never settled');
  }

  it('interrupted after each append, then run again: the log equals an uninterrupted run', async () => {
    const clean = await world();
    await tickUntilQuiet(clean);
    const expected = await factsOf(clean.store);
    await clean.store.close();
    await clean.f.drop();
    const appends = expected.filter((x) => x.includes('"consent.expired"')).length;
    expect(appends).toBe(SUBJECTS.length);

    for (let k = 1; k <= appends; k++) {
      const w = await world();
      const crashing = crashingAfter(w.store, k);
      await expect(expire({ db: w.f.db, store: crashing }, NOW)).rejects.toBeInstanceOf(SimulatedCrash);
      expect(crashing.appends).toBe(k);
      // restarted before the read model caught up: it still lists the subjects already expired
      await expire({ db: w.f.db, store: w.store }, NOW);
      await tickUntilQuiet(w);
      expect(await factsOf(w.store)).toEqual(expected);
      await w.store.close();
      await w.f.drop();
    }
  });
});
