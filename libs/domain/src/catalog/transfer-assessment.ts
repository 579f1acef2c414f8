import {
  ART46_SAFEGUARDS,
  ART49_DEROGATIONS,
  EEA_SOURCE,
  INVALID_MECHANISMS,
  SCC_DECISION,
  SCC_MODULES,
  TIA_SOURCE,
  adequacyAt,
  isEea,
  type Art46Safeguard,
} from '../law/transfers';
import type { DeclaredTransfer } from './declared-transfer';
import type { FlowSnapshot, TransferMechanism } from './flow';

export interface TransferAssessment {
  /** False when the destination is inside the EEA (no Chapter V transfer). */
  readonly restricted_transfer: boolean;
  readonly allowed: boolean;
  /** eea | adequacy | art46:<safeguard> | art49:<derogation> | null */
  readonly basis: string | null;
  readonly source: string | null;
  readonly missing: string[];
  readonly reasons: string[];
  readonly warnings: string[];
}

export type TransferInput = Pick<FlowSnapshot, 'destination_country' | 'destination_organisation' | 'exporter_role' | 'importer_role' | 'mechanism'> & {
  readonly target: Pick<Extract<FlowSnapshot['target'], { kind: 'recipient' }>, 'dpf_certified' | 'commercial_organisation'> | { readonly kind: 'system' };
};

/** Is this flow a lawful transfer at `at`? Adequacy first (Art. 45), then Art. 46 safeguards, then Art. 49 derogations (LAW.md section 7). */
export function assessTransfer(flow: TransferInput, at: Date): TransferAssessment {
  const destination = flow.destination_organisation ?? flow.destination_country ?? '';
  const m = flow.mechanism;
  const warnings: string[] = [];
  const reasons: string[] = [];
  if (flow.destination_country && !flow.destination_organisation && isEea(flow.destination_country)) {
    return { restricted_transfer: false, allowed: true, basis: 'eea', source: EEA_SOURCE.source, missing: [], reasons: [`${destination} is in the EEA: no third-country transfer`], warnings };
  }
  const invalidMechanism = m.type === 'privacy_shield' || m.type === 'safe_harbor' ? INVALID_MECHANISMS[m.type] : null;
  if (invalidMechanism) reasons.push(`${m.type} is not a valid transfer mechanism (${invalidMechanism.source})`);

  const adequacy = adequacyAt(destination, at);
  const target = 'kind' in flow.target && flow.target.kind === 'system' ? null : (flow.target as { dpf_certified: boolean; commercial_organisation: boolean });
  if (adequacy) {
    const covered =
      adequacy.scope === 'full' ||
      (adequacy.scope === 'dpf_certified_only' && target?.dpf_certified === true) ||
      (adequacy.scope === 'commercial_only' && target?.commercial_organisation === true);
    if (covered) {
      if (invalidMechanism) warnings.push(`declared ${m.type} is void; the transfer rests on ${adequacy.decision}`);
      return {
        restricted_transfer: true,
        allowed: true,
        basis: 'adequacy',
        source: `${adequacy.decision}; ${adequacy.source}`,
        missing: [],
        reasons: [...reasons, `adequacy decision for ${adequacy.name} in force (${adequacy.decision})`],
        warnings,
      };
    }
    reasons.push(
      adequacy.scope === 'dpf_certified_only'
        ? `${adequacy.decision} covers only recipients certified under the EU-US Data Privacy Framework; this recipient is not declared certified`
        : `${adequacy.decision} covers only commercial organisations subject to PIPEDA; this recipient is not declared as one`,
    );
  } else {
    reasons.push(`no adequacy decision in force for ${destination || 'the destination'} on ${at.toISOString().slice(0, 10)}`);
  }
  if (m.type === 'adequacy') reasons.push('the flow declares adequacy, but no adequacy decision covers it');

  if (m.type in ART46_SAFEGUARDS) return art46(flow, m.type as Art46Safeguard, reasons, warnings);
  if (m.type === 'derogation') return art49(flow, reasons, warnings);
  return {
    restricted_transfer: true,
    allowed: false,
    basis: null,
    source: null,
    missing: ['an Art. 46 safeguard (e.g. SCCs 2021/914) or an Art. 49 derogation'],
    reasons,
    warnings,
  };
}

function art46(flow: TransferInput, type: Art46Safeguard, reasons: string[], warnings: string[]): TransferAssessment {
  const m = flow.mechanism;
  const missing: string[] = [];
  const rule = ART46_SAFEGUARDS[type];
  if (type === 'scc') {
    if (!m.scc_module) missing.push(`SCC module (${Object.keys(SCC_MODULES).join(', ')})`);
    else {
      const mod = SCC_MODULES[m.scc_module];
      if (mod.exporter !== flow.exporter_role || mod.importer !== flow.importer_role) {
        missing.push(`SCC module for a ${flow.exporter_role} to ${flow.importer_role} transfer (declared ${m.scc_module})`);
      }
    }
  }
  if ((type === 'ad_hoc_clauses' || type === 'bcr') && !m.authorisation_ref) missing.push(rule.needs!);
  if (!m.tia_completed) warnings.push(`no transfer impact assessment recorded (${TIA_SOURCE})`);
  const source = type === 'scc' ? `${rule.source}; ${SCC_DECISION.source}` : rule.source;
  return {
    restricted_transfer: true,
    allowed: missing.length === 0,
    basis: `art46:${type}`,
    source,
    missing,
    reasons: [...reasons, missing.length ? `the ${type} safeguard is incomplete` : `transfer relies on ${type} (${rule.source})`],
    warnings,
  };
}

function art49(flow: TransferInput, reasons: string[], warnings: string[]): TransferAssessment {
  const m = flow.mechanism;
  if (!m.derogation) {
    return { restricted_transfer: true, allowed: false, basis: 'art49', source: 'GDPR Art. 49', missing: ['which Art. 49 derogation applies'], reasons, warnings };
  }
  const missing: string[] = [];
  if (m.derogation === 'compelling_legitimate_interests') {
    if (!m.occasional) missing.push('the transfer must be non-repetitive and concern a limited number of subjects');
    if (!m.authority_informed) missing.push('the supervisory authority must be informed');
  }
  warnings.push('Art. 49 derogations are for occasional transfers; prefer an Art. 46 safeguard for regular flows');
  const src = ART49_DEROGATIONS[m.derogation].source;
  return {
    restricted_transfer: true,
    allowed: missing.length === 0,
    basis: `art49:${m.derogation}`,
    source: src,
    missing,
    reasons: [...reasons, `derogation ${m.derogation} (${src})`],
    warnings,
  };
}

const NO_MECHANISM: TransferMechanism = { type: 'none', scc_module: null, derogation: null, authorisation_ref: null, tia_completed: false, supplementary_measures: [], occasional: false, authority_informed: false };

/** Invalidated mechanisms recognised in a free-text safeguard, so the answer can cite the judgment. */
const VOID_IN_TEXT: ReadonlyArray<[RegExp, 'privacy_shield' | 'safe_harbor']> = [
  [/privacy\s*shield/i, 'privacy_shield'],
  [/safe\s*harbou?r/i, 'safe_harbor'],
];

/**
 * A transfer declared in an activity or a processor record, assessed with the same engine as a data
 * flow (Art. 44-49). The free-text `safeguard` never makes a transfer lawful: without a structured
 * `mechanism` only adequacy (or the EEA) can.
 */
export function assessDeclaredTransfer(t: DeclaredTransfer, exporterRole: 'controller' | 'processor', at: Date): TransferAssessment {
  const voidMechanism = t.mechanism ? null : (VOID_IN_TEXT.find(([re]) => t.safeguard && re.test(t.safeguard))?.[1] ?? null);
  const mechanism = t.mechanism ?? (voidMechanism ? { ...NO_MECHANISM, type: voidMechanism } : NO_MECHANISM);
  const r = assessTransfer(
    {
      destination_country: t.country,
      destination_organisation: null,
      exporter_role: exporterRole,
      importer_role: t.recipient_role ?? 'controller',
      mechanism,
      target: { dpf_certified: t.dpf_certified === true, commercial_organisation: t.commercial_organisation === true },
    },
    at,
  );
  if (t.mechanism || !t.safeguard || !r.restricted_transfer) return r;
  const note = 'the safeguard is given only as free text, which cannot be assessed: declare mechanism (type, scc_module, derogation, ...)';
  return r.allowed ? { ...r, warnings: [...r.warnings, note] } : { ...r, reasons: [...r.reasons, note] };
}
