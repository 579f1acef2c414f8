// A rights task worker: the ledger sends each system the erasure, access and rectification tasks of its
// data-subject requests on the tasks topic; the system acts on its own data and reports the result on
// the results topic, which completes the request. Prints one line per task.
//   KAFKA_BROKERS=127.0.0.1:9092 PSEUDONYM_SECRET=... SYSTEM_ID=crm KNOWN_USERS=ann@example.com node rights-worker.mjs
import { RightsTaskWorker, SubjectKeys } from '@privacy-ledger/sdk';

// Stands in for the system's own database. Tasks name the subject by its pseudonymous key only: store
// that key beside the rows when writing them (SubjectKeys maps a user id the way the ledger does, with
// the ledger's PSEUDONYM_SECRET). Here each user in KNOWN_USERS has a contact e-mail row.
const keys = new SubjectKeys(process.env.PSEUDONYM_SECRET);
const rows = new Map((process.env.KNOWN_USERS ?? '').split(',').filter(Boolean).map((u) => [keys.of(u), ['user.contact.email']]));
const store = {
  async erase(subjectKey, categories) {
    const held = rows.get(subjectKey) ?? [];
    rows.set(subjectKey, held.filter((c) => !categories.includes(c)));
    return held.length - rows.get(subjectKey).length; // e.g. DELETE ... WHERE subject_key = $1 -> row count
  },
  async export(subjectKey, categories) {
    return Object.fromEntries((rows.get(subjectKey) ?? []).filter((c) => categories.includes(c)).map((c) => [c, ['...']]));
  },
};

const worker = new RightsTaskWorker({
  systemId: process.env.SYSTEM_ID, // the system id registered with POST /governance/systems
  brokers: process.env.KAFKA_BROKERS.split(','),
  // Resolve to commit the task; throw to get it again. Delivery is at-least-once: be idempotent per task_id.
  onTask: async (task) => {
    const report = async (result) => {
      await worker.report({ request_id: task.request_id, task_id: task.task_id, ...result });
      console.log(JSON.stringify({ task_id: task.task_id, request_type: task.request_type, outcome: result.outcome }));
    };
    if (task.request_type === 'erasure') {
      const erased = await store.erase(task.subject_key, task.categories);
      await report({ outcome: erased > 0 ? 'done' : 'no_data', records_affected: erased });
    } else if (task.request_type === 'access' || task.request_type === 'portability') {
      await report({ outcome: 'done', data: await store.export(task.subject_key, task.categories) });
    } else {
      await report({ outcome: 'cannot_comply', reason: `${task.request_type} is not handled by this system` });
    }
  },
  onInvalid: (reason, offset) => console.error(`skipped a malformed task at offset ${offset}: ${reason}`),
});

await worker.start();
console.log(JSON.stringify({ started: true }));

process.once('SIGTERM', async () => {
  await worker.stop();
  process.exit(0);
});
