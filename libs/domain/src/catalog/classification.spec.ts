import { suggestClassification, tokenize } from './classification';

describe('tokenize', () => {
  it.each([
    ['dateOfBirth', ['date', 'of', 'birth']],
    ['IPAddress', ['ip', 'address']],
    ['user-name_2', ['user', 'name', '2']],
    ['customer.email', ['customer', 'email']],
    ['ipv4', ['ipv', '4']],
  ])('%s -> %j', (name, tokens) => expect(tokenize(name)).toEqual(tokens));
});

describe('classification suggestions (whole-word match)', () => {
  it.each([
    ['email', 'user.contact.email', 'email'],
    ['customerEmail', 'user.contact.email', 'email'],
    ['email_address', 'user.contact.email', 'email'],
    ['ssn', 'user.government_id.ssn', 'ssn'],
    ['social-security-number', 'user.government_id.ssn', 'ssn'],
    ['passport_no', 'user.government_id.passport_number', 'passport'],
    ['health_notes', 'user.health_and_medical', 'health'],
    ['religion', 'user.demographic.religious_belief', 'religion'],
    ['birth_date', 'user.demographic.date_of_birth', 'date_of_birth'],
    ['dateOfBirth', 'user.demographic.date_of_birth', 'date_of_birth'],
    ['age', 'user.demographic.age', 'age'],
    ['customer_age', 'user.demographic.age', 'age'],
    ['first_name', 'user.name', 'personal_name'],
    ['lastName', 'user.name', 'personal_name'],
    ['name', 'user.name', 'personal_name'],
    ['customer_name', 'user.name', 'personal_name'],
    ['username', 'user.account.username', 'username'],
    ['user_name', 'user.account.username', 'username'],
    ['userName', 'user.account.username', 'username'],
    ['ip_address', 'user.device.ip_address', 'ip_address'],
    ['client_ipv6', 'user.device.ip_address', 'ip_address'],
    ['shipping_address', 'user.contact.address', 'postal_address'],
    ['iban', 'user.financial.bank_account', 'bank_account'],
    ['card_number', 'user.financial.credit_card', 'card_number'],
    ['password_hash', 'user.authorization.credentials', 'password'],
    ['latitude', 'user.location.precise', 'precise_location'],
    ['fingerprint_template', 'user.biometric', 'biometric'],
    ['criminal_record', 'user.criminal_history', 'criminal'],
  ])('%s -> %s (%s)', (name, category, rule) => {
    const s = suggestClassification(name);
    expect(s).not.toBeNull();
    expect(s!.category).toBe(category);
    expect(s!.rule).toBe(rule);
  });

  it.each([
    // substring traps: age in page/message/average/storage, name in filename/product_name, ip in zip/tip, sex in sussex
    ['page'],
    ['message'],
    ['page_count'],
    ['average_basket'],
    ['storage_bucket'],
    ['usage'],
    ['filename'],
    ['file_name'],
    ['product_name'],
    ['hostname'],
    ['tip_amount'],
    ['relationship'],
    ['emailed'],
    ['healthy_snacks_sku'],
    ['order_total'],
  ])('%s is not classified', (name) => expect(suggestClassification(name)).toBeNull());

  it('a username is not a personal name', () => {
    expect(suggestClassification('username')!.category).not.toBe('user.name');
    expect(suggestClassification('user_name')!.category).not.toBe('user.name');
  });

  it('carries the special-category flags of the suggested category', () => {
    expect(suggestClassification('diagnosis')!.special).toEqual({ gdpr_art9: true, gdpr_art10: false, cpra_sensitive: true });
    expect(suggestClassification('ssn')!.special).toEqual({ gdpr_art9: false, gdpr_art10: false, cpra_sensitive: true });
    expect(suggestClassification('email')!.special).toEqual({ gdpr_art9: false, gdpr_art10: false, cpra_sensitive: false });
  });
});
