// node wait-kafka.js [broker] -- exits 0 once a kafkajs admin can describe the cluster
const { Kafka, logLevel } = require('kafkajs');
const broker = process.argv[2] || process.env.KAFKA_BROKERS || '127.0.0.1:19092';
const kafka = new Kafka({ clientId: 'ci-wait', brokers: [broker], logLevel: logLevel.NOTHING,
  connectionTimeout: 1000, retry: { retries: 0 } });
(async () => {
  const deadline = Date.now() + Number(process.env.KAFKA_READY_TIMEOUT_MS || 60000);
  while (Date.now() < deadline) {
    const admin = kafka.admin();
    try { await admin.connect(); await admin.describeCluster(); await admin.disconnect(); process.exit(0); }
    catch (e) { await admin.disconnect().catch(() => {}); await new Promise(r => setTimeout(r, 500)); }
  }
  console.error(`kafka at ${broker} not ready`); process.exit(1);
})();
