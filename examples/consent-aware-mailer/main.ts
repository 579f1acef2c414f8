// bash bench/run.sh examples/consent-aware-mailer/main.ts
// env: KAFKA_BROKERS, PSEUDONYM_SECRET (the ledger's, to map user ids to subject keys), RECIPIENTS=user1,user2,
//      optional LEDGER_URL + LEDGER_API_KEY (scope consent:read): the catalog's declared lawful bases, so that
//      non-consent purposes answer like the ledger's validate (marketing e-mail itself always needs consent)
import { LocalConsentClient } from '@pl/sdk';
import { ConsentAwareMailer } from './mailer';

async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
  const out = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`);
  let mailer: ConsentAwareMailer | null = null;
  const consent = new LocalConsentClient({
    brokers,
    pseudonymSecret: process.env.PSEUDONYM_SECRET,
    groupIdPrefix: 'example-mailer',
    ...(process.env.LEDGER_URL && process.env.LEDGER_API_KEY ? { catalog: { baseUrl: process.env.LEDGER_URL, apiKey: process.env.LEDGER_API_KEY } } : {}),
    onChange: (c) => {
      if (c.erased) mailer?.onErased(c.subjectKey);
    },
  });
  await consent.start(); // waits (with backoff, up to 60 s) if the ledger has not created its topics yet
  mailer = new ConsentAwareMailer(consent, out);
  for (const userId of (process.env.RECIPIENTS ?? '').split(',').filter(Boolean)) mailer.add({ userId, email: userId });
  out({ event: 'ready', subjects: consent.status().subjects });
  mailer.start(Number(process.env.INTERVAL_MS ?? 50));
  const shutdown = async () => {
    mailer?.stop();
    await consent.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e) => {
  console.error(`mailer failed: ${(e as Error).message}`);
  process.exit(1);
});
