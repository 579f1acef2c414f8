import { isSubjectKey } from '@pl/domain';
import { once } from 'node:events';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { auditSignerFor, parseHeldHeads, readPublishedHeads, recordPersonalDataAccess, type SignedHead } from '@pl/audit';
import { createKafka } from '@pl/messaging';
import { exportAuditLog, type ExportFilter } from '@pl/projections/audit_chain';
import { auditHeadPolicy } from '../../../common/audit-policy';
import { parseArgs, type CliCommand } from '../command';


function date(v: string | true | undefined, name: string): Date | undefined {
  if (v === undefined) return undefined;
  const d = typeof v === 'string' ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new Error(`--${name} must be an ISO-8601 date`);
  return d;
}

/** Tamper evidence for operators and auditors (ARCHITECTURE invariant 9). */
export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'audit chain: verify it against the log, print the public key, sign the head, export NDJSON',
  usage:
    'audit verify [--heads file] [--kafka-heads] [--public-key key.pem] | audit heads [--out file] | audit public-key | audit sign | audit export [--out file] [--subject-key sub_...|--user-id id] [--from iso] [--to iso] [--context consent] [--purpose code] [--request-id id]',
  needsInfra: true,
  async run(args, io, infra) {
    const { positional, flags } = parseArgs(args);
    const { db, store, config, pseudonymizer, app } = infra!;
    const signer = auditSignerFor(config);
    const ctx = { actor: 'cli:audit', correlationId: randomUUID(), causationId: null, now: new Date() };
    const policy = auditHeadPolicy(config);
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
        if (typeof flags['subject-key'] === 'string' && !isSubjectKey(flags['subject-key'])) throw new Error('--subject-key must be a pseudonymous key sub_...');
        const subjectKey = typeof flags['subject-key'] === 'string' ? flags['subject-key'] : typeof flags['user-id'] === 'string' ? pseudonymizer.subject(flags['user-id']) : undefined;
        const filter: ExportFilter = {
          subjectKey,
          from: date(flags.from, 'from'),
          to: date(flags.to, 'to'),
          context: typeof flags.context === 'string' ? flags.context : undefined,
        };
        await recordPersonalDataAccess(infra!, ctx, {
          subjectKey: subjectKey ?? null,
          what: 'audit.export',
          purpose: typeof flags.purpose === 'string' ? flags.purpose : 'audit',
          requestId: typeof flags['request-id'] === 'string' ? flags['request-id'] : null,
        });
        const out = typeof flags.out === 'string' ? createWriteStream(flags.out) : null;
        let lines = 0;
        for await (const line of exportAuditLog(db, store, signer, filter, ctx.now, undefined, policy)) {
          lines++;
          if (out) {
            if (!out.write(`${line}\n`)) await once(out, 'drain');
          } else io.out(line);
        }
        if (out) {
          out.end();
          await once(out, 'finish');
          io.err(`wrote ${lines} lines to ${flags.out}; check with: node scripts/verify-audit-export.js ${flags.out} --public-key <key.pem>`);
        }
        return 0;
      }
      default:
        io.err(`usage: ${this.usage}`);
        return 2;
    }
  },
};
