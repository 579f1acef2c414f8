import { buildAccessReport, buildPortabilityExport, reportSections, toCsv, type ProcessingEntry, type ReportInput } from './access-report';

const now = new Date('2026-06-01T00:00:00Z');
const input: ReportInput = {
  subjectKey: 'sub_X',
  jurisdiction: 'GDPR',
  now,
  consents: [
    { consent_id: 'c-old', status: 'given', categories: ['user.contact.email'], purposes: ['marketing'], legal_basis: 'consent', at: '2024-01-01T00:00:00Z', ended_at: null, proof: { ip_address: '203.0.113.9' }, extra: { loyalty_card: 'LC-7781' } },
    { consent_id: 'c-new', status: 'given', categories: ['user.behavior.browsing_history'], purposes: ['analytics'], legal_basis: 'consent', at: '2026-05-01T00:00:00Z', ended_at: null, proof: null, extra: null },
  ],
  requests: [{ request_id: 'r1', request_type: 'access', status: 'verified', received_at: '2026-05-30T00:00:00Z', closed_at: null }],
  receipts: [
    { system_id: 'crm', category: 'user.contact.email', purpose: 'marketing', stored_at: '2024-02-01T00:00:00Z' },
    { system_id: 'shop', category: 'user.financial.transaction', purpose: 'order_fulfilment', stored_at: '2026-04-01T00:00:00Z' },
  ],
  activities: [
    {
      activity_id: 'a1', name: 'Online shop', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example' },
      purposes: [{ purpose: 'order_fulfilment', lawful_basis: 'contract', categories: [] }],
      recipients: ['payment-provider'], transfers: [{ country: 'US', recipient: 'payment-provider', safeguard: 'SCC 2021/914 module 2' }],
      retention: [{ category: 'user.financial.transaction', period: 'P7Y', reason: 'tax law' }], systems: ['shop'], automated_decision: true,
    },
  ],
  systemResults: [{ system_id: 'shop', outcome: 'done', data: { 'user.contact.address': '1 Main St', 'user.behavior.inferences#segment': 'bargain hunter', note: 'x' } }],
};

describe('access report (Art. 15)', () => {
  it('covers purposes, categories, recipients with third countries, retention, rights, complaint, sources, automated decisions and transfers', () => {
    const r = buildAccessReport(input);
    expect(r.purposes).toEqual([
      { purpose: 'analytics', lawful_basis: 'consent', source: 'consent record' },
      { purpose: 'marketing', lawful_basis: 'consent', source: 'processing receipt' },
      { purpose: 'order_fulfilment', lawful_basis: 'contract', source: 'catalog activity' },
    ]);
    expect(r.categories).toEqual(['user.behavior.browsing_history', 'user.contact.email', 'user.financial.transaction']);
    expect(r.recipients).toEqual([{ recipient: 'payment-provider', third_countries: ['US'] }]);
    expect(r.retention).toEqual([{ activity: 'Online shop', category: 'user.financial.transaction', period: 'P7Y', reason: 'tax law' }]);
    expect(r.transfers[0]).toMatchObject({ country: 'US', safeguard: 'SCC 2021/914 module 2' });
    expect(r.automated_decisions).toHaveLength(1);
    expect(r.rights.map((x) => x.source)).toContain('GDPR Art. 17');
    expect(r.complaint.source).toContain('Art. 77');
    expect(r.sources.map((s) => s.system_id)).toEqual(['crm', 'shop']);
    expect(r.look_back).toBeNull();
    expect(r.consents[0].extra).toEqual({ loyalty_card: 'LC-7781' });
    expect(reportSections(r)).toEqual(['purposes', 'categories', 'recipients', 'retention', 'consents', 'requests', 'receipts', 'system_data']);
  });

  it('lists the processing log (who processed what, when, for what) with its categories, inside the CCPA window only', () => {
    const processing: ProcessingEntry[] = [
      { service_name: 'support-desk', action: 'accessed', categories: ['user.contact.phone_number'], purposes: ['essential.service'], legal_basis: 'contract', at: '2026-05-20T10:00:00.000Z', details: { ticket: 'T-1' } },
      { service_name: 'exporter', action: 'exported', categories: ['user.contact.email'], purposes: ['marketing'], legal_basis: 'consent', at: '2024-03-01T00:00:00.000Z', details: null },
    ];
    const r = buildAccessReport({ ...input, processing });
    expect(r.processing_log).toEqual(processing);
    expect(r.categories).toContain('user.contact.phone_number');
    expect(reportSections(r)).toContain('processing_log');
    const ccpa = buildAccessReport({ ...input, jurisdiction: 'CCPA', processing });
    expect(ccpa.processing_log.map((p) => p.service_name)).toEqual(['support-desk']);
    expect(reportSections(buildAccessReport(input))).not.toContain('processing_log');
  });

  it('CCPA: only the 12 months before the request', () => {
    const r = buildAccessReport({ ...input, jurisdiction: 'CCPA' });
    expect(r.look_back).toEqual({ from: '2025-06-01T00:00:00.000Z', source: 'Civ. Code § 1798.130(a)(2)(B)' });
    expect(r.consents.map((c) => c.consent_id)).toEqual(['c-new']);
    expect(r.receipts.map((x) => x.system_id)).toEqual(['shop']);
    const extended = buildAccessReport({ ...input, jurisdiction: 'CCPA', extendedLookBack: true });
    expect(extended.look_back).toEqual({ from: '2022-01-01T00:00:00.000Z', source: expect.stringContaining('7024(h)') });
    expect(extended.consents.map((c) => c.consent_id)).toEqual(['c-old', 'c-new']);
  });
});

describe('portability (Art. 20)', () => {
  it('exports only portable categories, and CSV escapes formulas and quotes', () => {
    const p = buildPortabilityExport(input, [
      { category: 'user.contact.address', purposes: [{ purpose: 'delivery', lawful_basis: 'contract' }] },
      { category: 'user.behavior.inferences', purposes: [{ purpose: 'ads', lawful_basis: 'legitimate_interests' }] },
    ]);
    expect(p.records).toEqual([{ system_id: 'shop', category: 'user.contact.address', field: 'user.contact.address', value: '1 Main St' }]);
    expect(p.excluded).toEqual([{ category: 'user.behavior.inferences', reason: expect.stringContaining('20(1)(a)') }]);
    // what the front end sent with the consent is data the subject provided
    expect(p.consents.map((c) => c.extra)).toEqual([{ loyalty_card: 'LC-7781' }, null]);
    expect(toCsv([{ a: '=cmd()', b: 'say "hi", ok' }], ['a', 'b'])).toBe('a,b\r\n"\'=cmd()","say ""hi"", ok"\r\n');
  });
});
