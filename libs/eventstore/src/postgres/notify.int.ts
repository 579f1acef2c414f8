import { randomUUID } from 'node:crypto';
import { freshPostgres, type FreshDatabase } from '../../../../test/support/databases';
import { newEvent } from '../contract/event-store-contract';
import { PgDatabase } from '../sql/pg-database';
import { SqlEventStore } from './sql-event-store';

describe('SqlEventStore on PostgreSQL: subscribers in another process', () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshPostgres('pl_es_notify');
  }, 60_000);
  afterAll(async () => fresh?.drop(), 60_000);

  async function deliveryMs(notify: boolean): Promise<number | null> {
    const writerDb = new PgDatabase({ connectionString: fresh.url!, max: 2 });
    const readerDb = new PgDatabase({ connectionString: fresh.url!, max: 2 });
    const writer = new SqlEventStore(writerDb, { notify });
    const reader = new SqlEventStore(readerDb, { notify, pollIntervalMs: 20_000 });
    try {
      await writer.init();
      await reader.init();
      const head = await reader.headPosition();
      const id = `notify-${randomUUID()}`;
      let caughtUp!: () => void;
      const ready = new Promise<void>((r) => (caughtUp = r));
      let received: number | null = null;
      let appendedAt = 0;
      const sub = reader.subscribe(
        head,
        async (events) => {
          if (events.some((e) => e.streamId === id)) received = Date.now() - appendedAt;
        },
        { onCaughtUp: () => caughtUp() },
      );
      await ready;
      await new Promise((r) => setTimeout(r, 100)); // the reader is now in its long idle sleep
      appendedAt = Date.now();
      await writer.append(id, [newEvent('notify.tested', {})], 'no_stream');
      const deadline = Date.now() + 5_000;
      while (received === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await sub.stop();
      return received;
    } finally {
      await writer.close();
      await reader.close();
      await writerDb.close();
      await readerDb.close();
    }
  }

  it('wakes on NOTIFY instead of waiting for the next poll', async () => {
    const ms = await deliveryMs(true);
    expect(ms).not.toBeNull();
    expect(ms!).toBeLessThan(5_000);
  }, 60_000);

  it('without notify, another process only sees the append at its next poll (here 20 s)', async () => {
    expect(await deliveryMs(false)).toBeNull();
  }, 60_000);

  it('under a stream of appends sends one NOTIFY per interval, the last with the newest position; close sends the pending one at once', async () => {
    const writerDb = new PgDatabase({ connectionString: fresh.url!, max: 2 });
    const readerDb = new PgDatabase({ connectionString: fresh.url!, max: 2 });
    const writer = new SqlEventStore(writerDb, { notifyIntervalMs: 60_000 });
    const payloads: string[] = [];
    try {
      await writer.init();
      await readerDb.listen('es_events_appended', (p) => payloads.push(p));
      const positions: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await writer.append(`notify-burst-${randomUUID()}`, [newEvent('notify.tested', {})], 'no_stream');
        positions.push(`${r.position.tx}:${r.position.pos}`);
      }
      const first = Date.now() + 5_000;
      while (!payloads.length && Date.now() < first) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      // the first append is announced at once; the other 19 wait out the (here one-minute) gap
      expect(payloads).toEqual([positions[0]]);
      const closing = Date.now();
      await writer.close();
      expect(Date.now() - closing).toBeLessThan(5_000);
      const last = Date.now() + 5_000;
      while (payloads.length < 2 && Date.now() < last) await new Promise((r) => setTimeout(r, 20));
      expect(payloads).toEqual([positions[0], positions[19]]);
    } finally {
      await writer.close();
      await writerDb.close();
      await readerDb.close();
    }
  }, 60_000);
});
