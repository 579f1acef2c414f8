import { consentsOf } from './report-input';

describe('consent history for access reports and exports', () => {
  it('given a consent with extra metadata fields, when folded, then the decrypted extra fields are kept beside the proof', () => {
    const given = { type: 'consent.given', data: { subject_key: 'sub_A', consent_id: 'c1', data_categories: ['user.contact.email'], processing_purposes: ['marketing'], legal_basis: 'consent', given_at: '2026-05-01T00:00:00Z', proof: { method: 'checkbox' }, extra: { loyalty_card: 'LC-7781' } } };
    const withdrawn = { type: 'consent.withdrawn', data: { subject_key: 'sub_A', affected: [{ consent_id: 'c1' }], withdrawn_at: '2026-05-02T00:00:00Z' } };
    const other = { type: 'consent.given', data: { ...given.data, subject_key: 'sub_B', consent_id: 'c2', extra: { loyalty_card: 'LC-0000' } } };
    expect(consentsOf([given, withdrawn, other], 'sub_A')).toEqual([
      expect.objectContaining({ consent_id: 'c1', status: 'withdrawn', proof: expect.objectContaining({ method: 'checkbox' }), extra: { loyalty_card: 'LC-7781' } }),
    ]);
  });

  it('given a consent without extra fields (or shredded), when folded, then extra is null', () => {
    const given = { type: 'consent.given', data: { subject_key: 'sub_A', consent_id: 'c1', given_at: '2026-05-01T00:00:00Z', proof: null } };
    expect(consentsOf([given], 'sub_A')[0].extra).toBeNull();
  });

  it('given a consent to two categories, when one is withdrawn, then it stays given with the ended part; when the other is too, it is withdrawn', () => {
    const given = { type: 'consent.given', data: { subject_key: 'sub_A', consent_id: 'c1', data_categories: ['user', 'user.behavior'], processing_purposes: ['marketing'], legal_basis: 'consent', given_at: '2026-05-01T00:00:00Z', expires_at: { marketing: '2027-05-01T00:00:00Z' }, proof: null } };
    const behaviour = { type: 'consent.withdrawn', data: { subject_key: 'sub_A', withdrawn_at: '2026-05-02T00:00:00Z', affected: [{ consent_id: 'c1', category: 'user.behavior', purpose: 'marketing' }] } };
    const rest = { type: 'consent.withdrawn', data: { subject_key: 'sub_A', withdrawn_at: '2026-05-03T00:00:00Z', affected: [{ consent_id: 'c1', category: 'user', purpose: 'marketing' }] } };
    expect(consentsOf([given, behaviour], 'sub_A')).toEqual([
      expect.objectContaining({ status: 'given', ended_at: null, expires_at: '2027-05-01T00:00:00Z', ended_parts: [{ data_category: 'user.behavior', processing_purpose: 'marketing', status: 'withdrawn', at: '2026-05-02T00:00:00Z' }] }),
    ]);
    const [after] = consentsOf([given, behaviour, rest], 'sub_A');
    expect(after).toMatchObject({ status: 'withdrawn', ended_at: '2026-05-03T00:00:00Z' });
    expect(after.ended_parts).toHaveLength(2);
  });
});
