import { DomainError } from '../shared/errors';
import { rejection } from '../../../../test/support/domain-errors';
import { evaluate } from '../consent/evaluate';
import { givenEvent, snapshotOf } from '../../../../test/support/consent-events';
import { declareCustomKeys, parseCustomKeys } from './custom-key-declarations';
import { installCustomKeys } from './custom-keys';
import { isSensitiveUseLimitable, resolveCategory, resolvePurpose, specialFlagsOf } from './taxonomy';


describe('custom keys must declare a parent or their flags', () => {
  afterEach(() => installCustomKeys({ data_categories: [], purposes: [] }));

  it('an undeclared custom category is refused with the reason (it could hide a special category)', () => {
    const e = rejection(() => resolveCategory('custom.health_and_medical'));
    expect(e.code).toBe('invalid');
    expect(e.message).toMatch(/undeclared custom key: declare it with its parent taxonomy key .* or its special-category flags/);
    expect(e.message).not.toContain('custom.health_and_medical');
  });

  it('declared under user.health_and_medical it is Art. 9 health data and sensitive PI, and consent must be explicit', () => {
    declareCustomKeys({ data_categories: [{ key: 'custom.health_and_medical', parent: 'user.health_and_medical' }] });
    expect(resolveCategory('custom.health_and_medical')).toBe('custom.health_and_medical');
    expect(specialFlagsOf('custom.health_and_medical')).toMatchObject({ gdpr_art9: true, cpra_sensitive: true, art9_kind: 'health' });
    const now = '2026-06-01T00:00:00.000Z';
    const plain = snapshotOf([givenEvent({ data_categories: ['custom.health_and_medical'], processing_purposes: ['analytics'] })]);
    expect(evaluate(plain, { category: 'custom.health_and_medical', purpose: 'analytics', now })).toMatchObject({ allowed: false, reason: 'explicit_consent_required' });
  });

  it('a parent given by its older alias counts as the canonical parent; a custom key may extend another', () => {
    declareCustomKeys({
      data_categories: [
        { key: 'custom.lab', parent: 'user.health' },
        { key: 'custom.lab.results', parent: 'custom.lab' },
        { key: 'custom.loyalty.tier', parent: 'user.account', label: 'Loyalty tier' },
      ],
    });
    expect(specialFlagsOf('custom.lab.results')).toMatchObject({ gdpr_art9: true, art9_kind: 'health' });
    expect(specialFlagsOf('custom.loyalty.tier')).toMatchObject({ gdpr_art9: false, gdpr_art10: false, cpra_sensitive: false });
  });

  it('a key may declare its own flags instead of a parent', () => {
    declareCustomKeys({ data_categories: [{ key: 'custom.union_dues', art9: 'trade_union_membership', cpra: 'union_membership' }, { key: 'custom.offences', art10: true }] });
    expect(specialFlagsOf('custom.union_dues')).toMatchObject({ gdpr_art9: true, cpra_sensitive: true });
    expect(specialFlagsOf('custom.offences')).toMatchObject({ gdpr_art10: true });
  });

  it.each([
    [{ data_categories: [{ key: 'custom.thing' }] }, /must declare its parent taxonomy key .* or its flags/],
    [{ data_categories: [{ key: 'custom.thing', parent: 'user.nope' }] }, /neither a taxonomy key nor a custom key declared here/],
    [{ data_categories: [{ key: 'custom.thing', art9: 'astrology' }] }, /art9 must be one of/],
    [{ data_categories: [{ key: 'user.thing', parent: 'user' }] }, /key must be custom\./],
    [{ data_categories: [{ key: 'custom.a', parent: 'user' }, { key: 'custom.a', parent: 'user' }] }, /declared twice/],
    [{ data_categories: [{ key: 'custom.a', parent: 'user', colour: 'red' }] }, /unknown field\(s\) colour/],
    [{ categories: [] }, /unknown section/],
  ])('refuses %j', (input, reason) => expect(rejection(() => parseCustomKeys(input as never)).message).toMatch(reason));

  it('refuses a declaration whose name reads as a special category it does not flag, and keeps the earlier declarations', () => {
    declareCustomKeys({ data_categories: [{ key: 'custom.loyalty', parent: 'user.account' }] });
    const e = rejection(() => declareCustomKeys({ data_categories: [{ key: 'custom.medical_history', parent: 'user' }] }));
    expect(e.message).toMatch(/reads as user\.health_and_medical \(gdpr_art9, cpra_sensitive\)/);
    expect(resolveCategory('custom.loyalty')).toBe('custom.loyalty');
    expect(() => resolveCategory('custom.medical_history')).toThrow(DomainError);
  });

  it('custom purposes stay accepted undeclared (limitable, conservatively); declared, they follow their parent', () => {
    expect(resolvePurpose('custom.device_storage')).toBe('custom.device_storage');
    expect(isSensitiveUseLimitable('custom.device_storage')).toBe(true);
    declareCustomKeys({ purposes: [{ key: 'custom.device_storage', parent: 'essential.service.security' }] });
    expect(isSensitiveUseLimitable('custom.device_storage')).toBe(false);
  });
});
