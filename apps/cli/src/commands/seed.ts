import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { catalog, DomainError } from '@pl/domain';
import type { RecordConsentInput } from '@pl/application/consent';
import { action, defineCommand } from '../command';
import { formatFinding } from './evaluate';

const DEFAULT_MANIFEST = join('examples', 'manifests', 'online-shop.yaml');
const DAY = 86_400_000;

/** The example manifest from the working directory, else from the repository this file is in (src or dist). */
function findManifest(explicit: string | undefined): string | null {
  if (explicit) return existsSync(explicit) ? resolve(explicit) : null;
  for (const base of [process.cwd(), join(__dirname, '..', '..', '..', '..'), join(__dirname, '..', '..', '..', '..', '..')]) {
    const p = join(base, DEFAULT_MANIFEST);
    if (existsSync(p)) return p;
  }
  return null;
}

/** What each demo subject did; pseudonymous ids only (`demo-user-<n>`), no e-mail, name or IP. */
export interface DemoSubject {
  readonly userId: string;
  readonly receipts: Array<[system: string, category: string, purpose: string]>;
  readonly consents: Array<{ categories: string[]; purposes: string[]; gpc?: boolean }>;
  readonly withdraw?: { categories: string[]; purposes: string[] };
}

/** A small, deterministic population that gives every dashboard something to show. */
export function demoSubjects(count: number): DemoSubject[] {
  const out: DemoSubject[] = [];
  for (let n = 1; n <= count; n++) {
    const receipts: DemoSubject['receipts'] = [
      ['shop-web', 'user.device.ip_address', 'essential.service.security'],
      ['accounts-db', 'user.contact.email', 'essential.service'],
      ['accounts-db', 'user.name', 'essential.service'],
    ];
    const consents: DemoSubject['consents'] = [];
    if (n % 2 === 1) receipts.push(['billing-db', 'user.financial.transaction', 'essential.service.payment'], ['billing-db', 'user.behavior.purchase_history', 'essential.service.payment']);
    if (n % 3 !== 0) {
      consents.push({ categories: ['user.contact.email', 'user.name'], purposes: ['marketing.communications.email'] });
      receipts.push(['newsletter', 'user.contact.email', 'marketing.communications.email']);
    }
    if (n % 2 === 0) {
      consents.push({ categories: ['user.behavior.browsing_history', 'user.device.cookie_id', 'user.device.ip_address'], purposes: ['analytics.reporting'] });
      receipts.push(['web-analytics', 'user.behavior.browsing_history', 'analytics.reporting'], ['web-analytics', 'user.device.cookie_id', 'analytics.reporting']);
    }
    // Every fifth subject's browser sends Sec-GPC: 1 (a CCPA opt-out of sale/sharing).
    if (n % 5 === 0) consents.push({ categories: ['user.behavior.browsing_history'], purposes: ['marketing.advertising.third_party'], gpc: true });
    // Every fourth subject later unsubscribes from the newsletter.
    const withdraw = n % 4 === 0 && n % 3 !== 0 ? { categories: ['user.contact.email'], purposes: ['marketing.communications.email'] } : undefined;
    out.push({ userId: `demo-user-${n}`, receipts, consents, withdraw });
  }
  return out;
}

/**
 * Loads demo data: the example catalog (the same apply logic as `apply`), then receipts and consents
 * of pseudonymous demo subjects, through the same command logic as the HTTP API. The worker builds
 * the read models when the service starts (or is running).
 */
export const seedCommand = defineCommand({
  name: 'seed',
  action: action({
    summary: 'load demo data: the example catalog and pseudonymous demo subjects (demo-user-N) with receipts and consents',
    options: {
      manifest: { type: 'string', value: 'file', description: `the catalog manifest (default: ${DEFAULT_MANIFEST})` },
      subjects: { type: 'string', value: 'n', description: 'how many demo subjects, 1 to 10000 (default 12)' },
      force: { type: 'boolean', description: 'add the subjects again when they already exist' },
    },
    json: true,
    needsInfra: true,
    async run({ values: flags }, io, infra) {
      const count = flags.subjects === undefined ? 12 : Number(flags.subjects);
      if (!Number.isInteger(count) || count < 1 || count > 10_000) {
        io.err('seed: --subjects must be an integer from 1 to 10000');
        return 2;
      }
      const file = findManifest(flags.manifest);
      if (!file) {
        io.err(`seed: manifest not found (${flags.manifest ?? DEFAULT_MANIFEST}); pass --manifest <file>`);
        return 2;
      }
      const i = infra!;
      const ctx = (now: Date) => ({ actor: 'cli:seed', correlationId: randomUUID(), now });

      // 1. Catalog.
      let parsed: catalog.ParsedManifest;
      let applied: { appended: number; unchanged: number };
      try {
        parsed = catalog.parseManifestYaml(readFileSync(file, 'utf8'));
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        io.err(`${file}: error malformed_manifest: ${e.message}`);
        return 1;
      }
      try {
        applied = await i.app.catalog.applyManifest(parsed.manifest, ctx(new Date()));
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        for (const f of (e.details?.findings as catalog.Finding[] | undefined) ?? []) io.err(formatFinding(file, { ...f, line: parsed.lineOf(f.path) }));
        io.err(`${file}: ${e.message}`);
        return 1;
      }

      // 2. Subjects, unless already seeded.
      const subjects = demoSubjects(count);
      const first = await i.store.readStream(catalog.receiptsStream(i.pseudonymizer.subject(subjects[0].userId)));
      const catalogLine = `catalog: ${applied.appended} event(s) appended, ${applied.unchanged} entr${applied.unchanged === 1 ? 'y' : 'ies'} unchanged (${file})`;
      const json = { manifest: file, catalog: { appended: applied.appended, unchanged: applied.unchanged } };
      if (first.revision !== null && flags.force !== true) {
        return { json: { ...json, subjects: 0 }, text: [catalogLine, `subjects: ${subjects[0].userId} already has receipts; nothing added (use --force to add again)`] };
      }
      // The consent use cases of the API (basis aliases, expiry policy, TCF/GPC handling, proof), without the HTTP layer.
      const consents = i.app.consent;
      const base = Date.now() - 30 * DAY;
      let receipts = 0;
      let given = 0;
      let withdrawn = 0;
      for (const [n, s] of subjects.entries()) {
        const at = new Date(base + n * 3_600_000);
        const subject_key = i.pseudonymizer.subject(s.userId);
        const batch = s.receipts.map(([system_id, category, purpose]) => ({ subject_key, receipt: { system_id, category, purpose, stored_at: at.toISOString() } }));
        receipts += (await i.app.catalog.recordReceipts(batch, ctx(at))).length;
        for (const c of s.consents) {
          const input: RecordConsentInput = {
            user_id: s.userId,
            data_categories: c.categories,
            processing_purposes: c.purposes,
            consent_status: 'granted',
            consent_timestamp: at.toISOString(),
            legal_basis: 'consent',
            consent_version: 'demo-v1',
            consent_metadata: { method: 'banner', channel: 'web', language: 'en' },
          };
          await consents.record(input, ctx(at), { gpc: !!c.gpc });
          given++;
        }
        if (s.withdraw) {
          const later = new Date(at.getTime() + 7 * DAY);
          await consents.withdraw({ user_id: s.userId, data_categories: s.withdraw.categories, processing_purposes: s.withdraw.purposes }, ctx(later), { gpc: false });
          withdrawn++;
        }
      }
      return {
        json: { ...json, subjects: subjects.length, receipts, consents: given, withdrawals: withdrawn },
        text: [
          catalogLine,
          `subjects: ${subjects.length} (demo-user-1 .. demo-user-${subjects.length}): ${receipts} receipt(s), ${given} consent(s), ${withdrawn} withdrawal(s)`,
          'read models are built by the worker: start the service (or keep it running) to see them on the dashboards',
        ],
      };
    },
  }),
});
