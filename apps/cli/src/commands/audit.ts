import { once } from 'node:events';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { auditSignerFor, parseHeldHeads, readPublishedHeads, type SignedHead } from '@pl/audit';
import { createKafka } from '@pl/messaging';
import type { Infrastructure } from '../../../common/infrastructure';
import { action, defineCommand } from '../command';

// The HTTP routes' DTOs, loaded when a value is checked (the module loads @nestjs/swagger: seconds at start).
const dtos = () => require('../../../api/src/audit/audit.dto') as typeof import('../../../api/src/audit/audit.dto');

const context = () => ({ actor: 'cli:audit', correlationId: randomUUID(), causationId: null, now: new Date() });

/** Tamper evidence for operators and auditors (ARCHITECTURE invariant 9). */
export const auditCommand = defineCommand({
  name: 'audit',
  summary: 'audit chain: verify it against the log, print the public key, sign the head, export NDJSON',
  subcommands: {
    verify: action({
      summary: 'verify the chain against the log and the signed heads (exit 1 when broken)',
      options: {
        heads: { type: 'string', value: 'file', description: 'signed heads kept outside the database (audit heads --out)' },
        'kafka-heads': { type: 'boolean', description: 'also the heads published on the compacted Kafka topic (needs KAFKA_BROKERS)' },
        'public-key': { type: 'string', value: 'key.pem', description: 'the public key obtained out of band (default: the service\'s own)' },
      },
      json: true,
      needsInfra: true,
      async run({ values }, io, infra) {
        const { config, app } = infra!;
        const held: SignedHead[] = [];
        // heads kept outside the database: a file the auditor holds, and/or the compacted Kafka topic
        if (values.heads) held.push(...parseHeldHeads(readFileSync(values.heads, 'utf8')));
        if (values['kafka-heads']) {
          if (!config.kafkaBrokers.length) throw new Error('--kafka-heads needs KAFKA_BROKERS');
          held.push(...(await readPublishedHeads(createKafka({ brokers: config.kafkaBrokers, clientId: 'privacy-ledger-cli' }))));
        }
        const report = await app.audit.verify(new Date(), {
          ...(values['public-key'] ? { publicKeyPem: readFileSync(values['public-key'], 'utf8') } : {}),
          heldHeads: held,
          onProgress: (n, total) => io.progress(`verified ${n}/${total} events`),
        });
        const verdict = report.ok
          ? `OK: ${report.checked} events, chain head ${report.head?.position ?? 'none'}, ${report.events_per_second} events/s`
          : `BROKEN at ${report.first_break!.position}: ${report.first_break!.kind} (${report.first_break!.detail})`;
        return { code: report.ok ? 0 : 1, json: report, text: [JSON.stringify(report, null, 2), verdict] };
      },
    }),
    heads: action({
      summary: 'the signed heads as NDJSON (keep them outside the database)',
      options: { out: { type: 'string', value: 'file', description: 'write them to this file' } },
      json: true,
      needsInfra: true,
      async run({ values }, io, infra) {
        const heads = (await infra!.app.audit.heads()).heads;
        const lines = heads.map((h) => JSON.stringify(h));
        if (values.out) {
          writeFileSync(values.out, lines.length ? `${lines.join('\n')}\n` : '');
          io.err(`wrote ${lines.length} signed heads to ${values.out}; verify against them later with: audit verify --heads ${values.out}`);
        }
        return { json: { heads, ...(values.out ? { written_to: values.out } : {}) }, text: values.out ? [] : lines };
      },
    }),
    'public-key': action({
      summary: 'the Ed25519 public key that checks the signed heads',
      json: true,
      needsInfra: true,
      async run(_input, _io, infra) {
        const signer = auditSignerFor(infra!.config);
        return { json: { key_id: signer.keyId, algorithm: 'Ed25519', public_key_pem: signer.publicKeyPem }, text: [`key id ${signer.keyId} (Ed25519)`, signer.publicKeyPem.trimEnd()] };
      },
    }),
    sign: action({
      summary: 'sign the chain head now',
      json: true,
      needsInfra: true,
      async run(_input, _io, infra) {
        const { signed } = await infra!.app.audit.checkpoint(new Date());
        return { json: { signed: signed ?? null }, text: [signed ? JSON.stringify(signed, null, 2) : 'the chain is empty (is the worker running the audit_chain projection?)'] };
      },
    }),
    export: action({
      summary: 'the log with chain links and a freshly signed head as NDJSON (the checks of GET /audit/export; the access is recorded)',
      options: {
        out: { type: 'string', value: 'file', description: 'write to this file (default: stdout, one JSON document per line)' },
        'subject-key': { type: 'string', value: 'sub_...', description: 'one subject, by pseudonymous key' },
        'user-id': { type: 'string', value: 'id', description: 'one subject, by the controller\'s user id (pseudonymised at once)' },
        from: { type: 'string', value: 'ISO timestamp', description: 'events recorded from' },
        to: { type: 'string', value: 'ISO timestamp', description: 'events recorded before' },
        context: { type: 'string', value: 'prefix', description: 'event type prefix: consent, rights, breach. ...' },
        purpose: { type: 'string', value: 'code', description: 'why the data is read (recorded)' },
        'request-id': { type: 'string', value: 'id', description: 'the request the reading serves (recorded)' },
      },
      validate: () => dtos().ExportQueryDto,
      // --json: one document { lines: [every NDJSON line, parsed, in order], head: the closing signed head };
      // with --out the file still gets the NDJSON and the document says where instead of repeating the lines
      json: true,
      needsInfra: true,
      async run({ values, json }, io, infra: Infrastructure | null) {
        // the same use case as GET /audit/export: same checks, the head signed first, the access recorded
        const v = values;
        const lines = await infra!.app.audit.export(
          { subject_key: v['subject-key'], user_id: v['user-id'], from: v.from, to: v.to, context: v.context, purpose: v.purpose, request_id: v['request-id'] },
          context(),
        );
        const out = v.out ? createWriteStream(v.out) : null;
        let n = 0;
        const parsed: unknown[] = [];
        let head: unknown = null;
        for await (const line of lines) {
          n++;
          if (json) {
            const doc = JSON.parse(line) as { kind?: string };
            if (doc.kind === 'head') head = doc;
            if (!out) parsed.push(doc);
          }
          if (out) {
            if (!out.write(line)) await once(out, 'drain');
          } else if (!json) io.out(line.trimEnd());
        }
        if (out) {
          out.end();
          await once(out, 'finish');
          io.err(`wrote ${n} lines to ${v.out}; check with: node scripts/verify-audit-export.js ${v.out} --public-key <key.pem>`);
        }
        if (!json) return 0;
        return { json: out ? { written_to: v.out, line_count: n, head } : { lines: parsed, head }, text: [] };
      },
    }),
  },
});
