// A relay in its own process, for the crash test: bash bench/run.sh libs/messaging/test/relay-process.ts <database-url> <brokers>
// Prints "published <n> <position>" after every acknowledged and checkpointed batch.
import { PgDatabase, SqlEventStore } from '@pl/eventstore';
import { KafkaRelay, consentStateBinding, createKafka } from '@pl/messaging';

const [url, brokers] = process.argv.slice(2);
const db = new PgDatabase(url);
const store = new SqlEventStore(db, { batchSize: Number(process.env.RELAY_BATCH_SIZE ?? 50) });
const relay = new KafkaRelay(db, store, {
  kafka: createKafka({ brokers: brokers.split(','), clientId: 'relay-process' }),
  stateTopics: [consentStateBinding],
  afterSend: async (messages) => {
    process.stdout.write(`sent ${messages.length}\n`);
  },
});
relay.start();
setInterval(() => {
  const s = relay.status();
  process.stdout.write(`status ${s.state} ${s.position} ${s.published}\n`);
}, 200);
