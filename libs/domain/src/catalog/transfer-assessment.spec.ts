import type { TransferMechanism } from './flow';
import { assessDeclaredTransfer, assessTransfer, type TransferInput } from './transfer-assessment';

const none: TransferMechanism = { type: 'none', scc_module: null, derogation: null, authorisation_ref: null, tia_completed: false, supplementary_measures: [], occasional: false, authority_informed: false };

function flow(dest: string, mech: Partial<TransferMechanism> = {}, recipient: { dpf_certified?: boolean; commercial_organisation?: boolean } = {}, roles: ['controller' | 'processor', 'controller' | 'processor'] = ['controller', 'processor']): TransferInput {
  const org = dest.startsWith('org:');
  return {
    destination_country: org ? null : dest,
    destination_organisation: org ? dest : null,
    exporter_role: roles[0],
    importer_role: roles[1],
    mechanism: { ...none, ...mech },
    target: { dpf_certified: recipient.dpf_certified ?? false, commercial_organisation: recipient.commercial_organisation ?? false },
  };
}

const at = (d: string) => new Date(`${d}T12:00:00Z`);

describe('assessTransfer (GDPR Chapter V, LAW.md section 7)', () => {
  it.each([
    // [case, input, date, allowed, basis, reason/missing pattern]
    ['inside the EEA (DE)', flow('DE'), '2026-06-01', true, 'eea', /EEA/],
    ['inside the EEA (NO, EFTA)', flow('NO'), '2026-06-01', true, 'eea', /EEA/],
    ['Switzerland adequate', flow('CH'), '2026-06-01', true, 'adequacy', /2000\/518/],
    ['Japan adequate', flow('JP'), '2026-06-01', true, 'adequacy', /2019\/419/],
    ['Korea adequate', flow('KR'), '2026-06-01', true, 'adequacy', /2022\/254/],
    ['Brazil not yet adequate before 26 Jan 2026', flow('BR'), '2026-01-25', false, null, /no adequacy decision/],
    ['Brazil adequate from 26 Jan 2026 (2026/179)', flow('BR'), '2026-01-26', true, 'adequacy', /2026\/179/],
    ['UK under the 2021 decision', flow('GB'), '2024-01-01', true, 'adequacy', /2021\/1772/],
    ['UK under the renewal', flow('GB'), '2030-01-01', true, 'adequacy', /Renewal of 19 Dec 2025/],
    ['UK after 27 Dec 2031', flow('GB'), '2032-01-01', false, null, /no adequacy decision/],
    ['European Patent Organisation', flow('org:epo'), '2026-01-01', true, 'adequacy', /European Patent Organisation/],
    ['EPO before 15 Jul 2025', flow('org:epo'), '2025-07-14', false, null, /no adequacy/],
    ['US recipient DPF-certified', flow('US', {}, { dpf_certified: true }), '2026-01-01', true, 'adequacy', /2023\/1795/],
    ['US recipient not DPF-certified, nothing else', flow('US'), '2026-01-01', false, null, /Data Privacy Framework/],
    ['US DPF-certified before 10 Jul 2023', flow('US', {}, { dpf_certified: true }), '2023-07-09', false, null, /no adequacy/],
    ['US on Privacy Shield', flow('US', { type: 'privacy_shield' }), '2026-01-01', false, null, /C-311\/18/],
    ['US on Safe Harbor', flow('US', { type: 'safe_harbor' }), '2026-01-01', false, null, /C-362\/14/],
    ['Canada commercial organisation', flow('CA', {}, { commercial_organisation: true }), '2026-01-01', true, 'adequacy', /2002\/2/],
    ['Canada public body', flow('CA'), '2026-01-01', false, null, /PIPEDA/],
    ['India without safeguard', flow('IN'), '2026-01-01', false, null, /no adequacy/],
    ['India with SCC C2P', flow('IN', { type: 'scc', scc_module: 'C2P', tia_completed: true }), '2026-01-01', true, 'art46:scc', /scc/],
    ['India with SCC but wrong module', flow('IN', { type: 'scc', scc_module: 'C2C' }), '2026-01-01', false, 'art46:scc', /SCC module for a controller to processor/],
    ['India with SCC, no module', flow('IN', { type: 'scc' }), '2026-01-01', false, 'art46:scc', /SCC module/],
    ['P2P module for processor to sub-processor', flow('IN', { type: 'scc', scc_module: 'P2P' }, {}, ['processor', 'processor']), '2026-01-01', true, 'art46:scc', /scc/],
    ['BCRs with approval', flow('CN', { type: 'bcr', authorisation_ref: 'BCR-2024-7' }), '2026-01-01', true, 'art46:bcr', /bcr/],
    ['ad hoc clauses without authorisation', flow('CN', { type: 'ad_hoc_clauses' }), '2026-01-01', false, 'art46:ad_hoc_clauses', /authorisation/],
    ['derogation explicit consent', flow('SG', { type: 'derogation', derogation: 'explicit_consent' }), '2026-01-01', true, 'art49:explicit_consent', /49\(1\)\(a\)/],
    ['derogation without naming it', flow('SG', { type: 'derogation' }), '2026-01-01', false, 'art49', /which Art. 49/],
    ['compelling legitimate interests, conditions missing', flow('SG', { type: 'derogation', derogation: 'compelling_legitimate_interests' }), '2026-01-01', false, 'art49:compelling_legitimate_interests', /supervisory authority/],
    ['declared adequacy where there is none', flow('RU', { type: 'adequacy' }), '2026-01-01', false, null, /declares adequacy/],
  ] as const)('%s', (_name, input, date, allowed, basis, pattern) => {
    const r = assessTransfer(input, at(date));
    expect(r.allowed).toBe(allowed);
    expect(r.basis).toBe(basis);
    expect([...r.reasons, ...r.missing, r.source ?? ''].join(' | ')).toMatch(pattern);
    if (!allowed && basis === null) expect(r.missing.length).toBeGreaterThan(0);
  });

  it('Privacy Shield is void but DPF adequacy still covers a certified recipient, with a warning', () => {
    const r = assessTransfer(flow('US', { type: 'privacy_shield' }, { dpf_certified: true }), at('2026-01-01'));
    expect(r.allowed).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/void/);
  });

  it('warns when SCCs have no transfer impact assessment', () => {
    const r = assessTransfer(flow('IN', { type: 'scc', scc_module: 'C2P' }), at('2026-01-01'));
    expect(r.allowed).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/transfer impact assessment/);
  });
});

describe('assessDeclaredTransfer: transfers declared in activities and processor records, same engine as flows', () => {
  const scc = (module: 'C2P' | 'P2P'): TransferMechanism => ({ ...none, type: 'scc', scc_module: module, tia_completed: true });
  it.each([
    ['free text "Privacy Shield" to a US recipient', { country: 'US', recipient: 'x', safeguard: 'Privacy Shield' }, 'controller', false, /C-311\/18/],
    ['free text "Safe Harbour"', { country: 'US', recipient: 'x', safeguard: 'Safe Harbour certified' }, 'controller', false, /C-362\/14/],
    ['free text "trust us" to India', { country: 'IN', recipient: 'x', safeguard: 'trust us' }, 'controller', false, /free text/],
    ['free text naming SCCs decides nothing without the structured mechanism', { country: 'IN', recipient: 'x', safeguard: 'SCC 2021/914' }, 'controller', false, /free text/],
    ['nothing declared to India', { country: 'IN', recipient: 'x', safeguard: null }, 'controller', false, /no adequacy/],
    ['structured SCC C2P to a processor', { country: 'IN', recipient: 'x', safeguard: 'SCCs', recipient_role: 'processor' as const, mechanism: scc('C2P') }, 'controller', true, /scc/],
    ['SCC C2P declared but the recipient is a controller', { country: 'IN', recipient: 'x', safeguard: null, mechanism: scc('C2P') }, 'controller', false, /SCC module for a controller to controller/],
    ['processor record: P2P to a sub-processor', { country: 'IN', recipient: 'x', safeguard: null, recipient_role: 'processor' as const, mechanism: scc('P2P') }, 'processor', true, /scc/],
    ['US recipient certified under the DPF', { country: 'US', recipient: 'x', safeguard: null, dpf_certified: true }, 'controller', true, /2023\/1795/],
    ['adequacy (UK) with a free-text note', { country: 'GB', recipient: 'x', safeguard: 'adequacy decision' }, 'controller', true, /Renewal/],
    ['inside the EEA', { country: 'FR', recipient: 'x', safeguard: null }, 'controller', true, /EEA/],
  ] as const)('%s', (_name, t, exporter, allowed, pattern) => {
    const r = assessDeclaredTransfer(t, exporter, at('2026-06-01'));
    expect(r.allowed).toBe(allowed);
    expect([...r.reasons, ...r.missing, r.source ?? ''].join(' | ')).toMatch(pattern);
  });

  it('warns that a free-text safeguard is not assessed even where adequacy covers the transfer', () => {
    expect(assessDeclaredTransfer({ country: 'GB', recipient: 'x', safeguard: 'adequacy decision' }, 'controller', at('2026-06-01')).warnings.join(' ')).toMatch(/free text/);
  });
});
