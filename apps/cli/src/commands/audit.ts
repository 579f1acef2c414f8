import { once } from 'node:events';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { auditSignerFor, parseHeldHeads, readPublishedHeads, type SignedHead } from '@pl/audit';
import { createKafka } from '@pl/messaging';
import { parseArgs, type CliCommand } from '../command';


/** Tamper evidence for operators and auditors (ARCHITECTURE invariant 9). */
export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'audit chain: verify it against the log, print the public key, sign the head, export NDJSON',
  usage:
    'audit verify [--heads file] [--kafka-heads] [--public-key key.pem] | audit heads [--out file] | audit public-key | audit sign | audit export [--out file] [--subject-key sub_...|--user-id id] [--from iso] [--to iso] [--context consent] [--purpose code] [--request-id id]',
  needsInfra: true,
  async run(args, io, infra) {
    const { positional, flags } = parseArgs(args);
    const { config, app } = infra!;
    const signer = auditSignerFor(config);
    const ctx = { actor: 'cli:audit', correlationId: randomUUID(), causationId: null, now: new Date() };
    switch (positional[0]) {
      case 'public-key':
        io.out(`key id ${signer.keyId} (Ed25519)`);
        io.out(signer.publicKeyPem.trimEnd());
        return 0;
      case 'sign': {
        const { signed } = await app.audit.checkpoint(ctx.now);
        io.out(signed ? JSON.stringify(signed, null, 2) : 'the chain is empty (is the worker running the audit_chain projection?)');
        return 0;
      }
      case 'verify': {
        const held: SignedHead[] = [];
        // heads kept outside the database: a file the auditor holds, and/or the compacted Kafka topic
        if (typeof flags.heads === 'string') held.push(...parseHeldHeads(readFileSync(flags.heads, 'utf8')));
        if (flags['kafka-heads']) {
          if (!config.kafkaBrokers.length) throw new Error('--kafka-heads needs KAFKA_BROKERS');
          held.push(...(await readPublishedHeads(createKafka({ brokers: config.kafkaBrokers, clientId: 'privacy-ledger-cli' }))));
        }
        const report = await app.audit.verify(ctx.now, {
          // an auditor passes the key obtained out of band; the service's own key otherwise
          ...(typeof flags['public-key'] === 'string' ? { publicKeyPem: readFileSync(flags['public-key'], 'utf8') } : {}),
          heldHeads: held,
          onProgress: (n, total) => io.progress(`verified ${n}/${total} events`),
        });
        io.out(JSON.stringify(report, null, 2));
        io.out(report.ok ? `OK: ${report.checked} events, chain head ${report.head?.position ?? 'none'}, ${report.events_per_second} events/s` : `BROKEN at ${report.first_break!.position}: ${report.first_break!.kind} (${report.first_break!.detail})`);
        return report.ok ? 0 : 1;
      }
      case 'heads': {
        const lines = (await app.audit.heads()).heads.map((h) => JSON.stringify(h));
        if (typeof flags.out === 'string') {
          writeFileSync(flags.out, lines.length ? `${lines.join('\n')}\n` : '');
          io.err(`wrote ${lines.length} signed heads to ${flags.out}; verify against them later with: audit verify --heads ${flags.out}`);
        } else lines.forEach((l) => io.out(l));
        return 0;
      }
      case 'export': {
        const str = (name: string): string | undefined => {
          const v = flags[name];
          if (v === true) throw new Error(`--${name} needs a value`);
          return v;
        };
        // the same use case as GET /audit/export: same checks, the head signed first, the access recorded
        const lines = await app.audit.export(
          { subject_key: str('subject-key'), user_id: str('user-id'), from: str('from'), to: str('to'), context: str('context'), purpose: str('purpose'), request_id: str('request-id') },
          ctx,
        );
        const out = typeof flags.out === 'string' ? createWriteStream(flags.out) : null;
        let n = 0;
        for await (const line of lines) {
          n++;
          if (out) {
            if (!out.write(line)) await once(out, 'drain');
          } else io.out(line.trimEnd());
        }
        if (out) {
          out.end();
          await once(out, 'finish');
          io.err(`wrote ${n} lines to ${flags.out}; check with: node scripts/verify-audit-export.js ${flags.out} --public-key <key.pem>`);
        }
        return 0;
      }
      default:
        io.err(`usage: ${this.usage}`);
        return 2;
    }
  },
};
