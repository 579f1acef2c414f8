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
});
