import type { RestrictionException } from '../law/consent';
import type { Art9Kind, CpraSensitiveKind } from '../law/special-categories';

/**
 * The taxonomy as data: fideslang's default taxonomy (ethyca/fideslang, tag FIDESLANG_VERSION) taken
 * whole with its keys, meaning and hierarchy, plus the service's own extensions (`origin: 'service'`).
 * The legal flags are the service's data on top of the keys; each flag's source is in
 * law/special-categories.ts (Art. 9, Art. 10, CPRA kinds) or CCPA_SOURCES. Where fideslang's meaning
 * and a flag differ, `note` says so. Aliases of older service keys: taxonomy-aliases.ts.
 */
export const TAXONOMY_VERSION = '2026-12-02.2';
export const FIDESLANG_VERSION = '3.1.2';
export const FIDESLANG_SOURCE = 'https://github.com/ethyca/fideslang/tree/3.1.2/src/fideslang/default_taxonomy';

export type Origin = 'fideslang' | 'service';

export interface DataCategoryDef {
  readonly key: string;
  readonly label: string;
  readonly origin: Origin;
  /** Flags set here are inherited by every descendant; `none` stops the inheritance of a parent's flag. */
  readonly art9?: Art9Kind | 'unspecified';
  readonly art10?: true;
  readonly cpra?: CpraSensitiveKind | 'unspecified' | 'none';
  /** Where fideslang's meaning and the legal flag differ, or the flag is a conservative choice. */
  readonly note?: string;
}

export interface PurposeDef {
  readonly key: string;
  readonly label: string;
  readonly origin: Origin;
  /** CCPA: 'sale' (Civ. Code § 1798.140(ad)), 'sharing' for cross-context behavioural advertising (§ 1798.140(ah)). */
  readonly ccpa_sale_or_sharing?: 'sale' | 'sharing';
  /**
   * Use of sensitive PI beyond the purposes of 11 CCR § 7027(m) (services reasonably expected, security,
   * fraud prevention, short-term transient use, quality/safety): subject to the right to limit (§ 1798.121).
   */
  readonly ccpa_sensitive_use_limitable?: boolean;
  /** GDPR Art. 21(2)-(3): objection to direct marketing is absolute. */
  readonly direct_marketing?: boolean;
  /** GDPR Art. 18(2): the exception to a restriction this purpose serves (law/consent.ts RESTRICTION_EXCEPTIONS). */
  readonly art18_exception?: RestrictionException;
  readonly note?: string;
}

export interface SubjectCategoryDef {
  readonly key: string;
  readonly label: string;
  readonly origin: Origin;
  /** WP248 rev.01 criterion 7: vulnerable data subjects (children, employees, patients, ...). */
  readonly vulnerable?: boolean;
  /** CPRA (from 2026): PI of consumers known to be under 16 is sensitive. */
  readonly minor?: boolean;
  readonly note?: string;
}

const F = 'fideslang' as const;
const S = 'service' as const;

export const DATA_CATEGORIES: readonly DataCategoryDef[] = [
  { key: 'user', origin: F, label: 'Personal data about a user (any identified or identifiable natural person)' },
  { key: 'user.account', origin: F, label: 'Account data' },
  { key: 'user.account.settings', origin: F, label: 'Account settings and preferences' },
  { key: 'user.account.username', origin: F, label: 'Username or handle' },
  { key: 'user.authorization', origin: F, label: 'Authorization information: scope of permissions and access to a system' },
  { key: 'user.authorization.credentials', origin: F, label: 'Account log-in with password or credentials', cpra: 'account_credentials' },
  {
    key: 'user.authorization.biometric', origin: F, label: 'Biometric credentials for system authentication',
    art9: 'biometric_identification', cpra: 'biometric_identification',
    note: 'authentication by biometrics identifies the person (GDPR Art. 4(14))',
  },
  { key: 'user.authorization.password', origin: F, label: 'Password for system authentication', cpra: 'account_credentials' },
  { key: 'user.behavior', origin: F, label: 'Behavioural data' },
  { key: 'user.behavior.browsing_history', origin: F, label: 'Browsing history and page views' },
  { key: 'user.behavior.media_consumption', origin: F, label: 'Media consumption' },
  { key: 'user.behavior.purchase_history', origin: F, label: 'Purchase history' },
  { key: 'user.behavior.search_history', origin: F, label: 'Search history' },
  { key: 'user.behavior.inferences', origin: S, label: 'Inferences and profiles' },
  {
    key: 'user.biometric', origin: F, label: 'Biometric data', art9: 'biometric_identification', cpra: 'biometric_identification',
    note: "fideslang: any encoded characteristics; Art. 9(1) covers biometric data only when processed to identify a person uniquely. Flagged as Art. 9 for every use (conservative)",
  },
  { key: 'user.biometric.fingerprint', origin: F, label: 'Fingerprint' },
  { key: 'user.biometric.retinal', origin: F, label: 'Retina scan' },
  { key: 'user.biometric.voice', origin: F, label: 'Voice print' },
  { key: 'user.biometric.health', origin: F, label: 'Biometric health data', art9: 'health', cpra: 'health' },
  { key: 'user.biometric.face', origin: S, label: 'Facial geometry' },
  {
    key: 'user.childrens', origin: F, label: "Children's data", cpra: 'minor_under_16',
    note: 'fideslang fixes no age; flagged as PI of consumers known to be under 16 (CPRA, from 2026) conservatively. Consent below the age of Art. 8 is decided from the subject, not from this key',
  },
  { key: 'user.contact', origin: F, label: 'Contact data' },
  { key: 'user.contact.address', origin: F, label: 'Postal address' },
  { key: 'user.contact.address.city', origin: F, label: 'City' },
  { key: 'user.contact.address.country', origin: F, label: 'Country' },
  { key: 'user.contact.address.postal_code', origin: F, label: 'Postal code' },
  { key: 'user.contact.address.state', origin: F, label: 'State or region' },
  { key: 'user.contact.address.street', origin: F, label: 'Street' },
  { key: 'user.contact.email', origin: F, label: 'Email address' },
  { key: 'user.contact.phone_number', origin: F, label: 'Telephone number' },
  { key: 'user.contact.url', origin: F, label: 'Website' },
  { key: 'user.contact.fax_number', origin: F, label: 'Fax number' },
  { key: 'user.contact.organization', origin: F, label: 'Organisation' },
  { key: 'user.content', origin: F, label: 'User-generated content' },
  {
    key: 'user.content.private', origin: F, label: 'Private content, not publicly available',
    note: 'not flagged: contents of mail, email and text messages (Civ. Code § 1798.140(ae)(1)(E)) are user.communications.content',
  },
  { key: 'user.content.public', origin: F, label: 'Public content' },
  {
    key: 'user.content.self_image', origin: F, label: 'Photograph or image in which the subject is recognisable',
    note: 'not flagged: a photograph is biometric data only when processed by specific technical means to identify (GDPR Recital 51); use user.biometric.face then',
  },
  { key: 'user.demographic', origin: F, label: 'Demographic data' },
  { key: 'user.demographic.age_range', origin: F, label: 'Non-specific age or age range' },
  { key: 'user.demographic.age', origin: S, label: 'Age' },
  { key: 'user.demographic.date_of_birth', origin: F, label: 'Date of birth' },
  { key: 'user.demographic.gender', origin: F, label: 'Gender' },
  { key: 'user.demographic.language', origin: F, label: 'Language' },
  { key: 'user.demographic.marital_status', origin: F, label: 'Marital status' },
  { key: 'user.demographic.political_opinion', origin: F, label: 'Political opinions', art9: 'political_opinions' },
  { key: 'user.demographic.profile', origin: F, label: 'User profile data' },
  { key: 'user.demographic.race_ethnicity', origin: F, label: 'Racial or ethnic origin', art9: 'racial_ethnic_origin', cpra: 'racial_ethnic_origin' },
  { key: 'user.demographic.religious_belief', origin: F, label: 'Religious or philosophical beliefs', art9: 'religious_philosophical_beliefs', cpra: 'religious_philosophical_beliefs' },
  { key: 'user.demographic.sexual_orientation', origin: F, label: 'Sex life or sexual orientation', art9: 'sex_life_orientation', cpra: 'sex_life_orientation' },
  { key: 'user.demographic.trade_union', origin: S, label: 'Trade-union membership', art9: 'trade_union_membership', cpra: 'union_membership' },
  { key: 'user.demographic.citizenship', origin: S, label: 'Citizenship or immigration status', cpra: 'citizenship_immigration' },
  { key: 'user.location', origin: F, label: 'Location data' },
  { key: 'user.location.imprecise', origin: F, label: 'Coarse location (city, region, country)' },
  { key: 'user.location.precise', origin: F, label: 'Precise geolocation (within 1,850 ft radius)', cpra: 'precise_geolocation' },
  { key: 'user.device', origin: F, label: 'Device and online identifiers' },
  { key: 'user.device.cookie', origin: F, label: 'Data stored in a cookie' },
  { key: 'user.device.cookie_id', origin: F, label: 'Cookie or advertising identifier' },
  { key: 'user.device.device_id', origin: F, label: 'Device identifier' },
  { key: 'user.device.ip_address', origin: F, label: 'IP address' },
  { key: 'user.device.user_agent', origin: S, label: 'User agent / browser fingerprint' },
  { key: 'user.payment', origin: F, label: 'Payment data' },
  { key: 'user.social', origin: F, label: 'Social activity and interaction data' },
  { key: 'user.unique_id', origin: F, label: 'Internal or pseudonymous identifier' },
  { key: 'user.unique_id.pseudonymous', origin: F, label: 'Pseudonymous user id' },
  { key: 'user.telemetry', origin: F, label: 'Telemetry: identifiable measurements from system sensors and monitoring' },
  { key: 'user.user_sensor', origin: F, label: "Measurements of a user's environment through system use" },
  { key: 'user.workplace', origin: F, label: 'Organisation of employment' },
  { key: 'user.sensor', origin: F, label: 'Measurements from sensors and monitoring systems' },
  { key: 'user.financial', origin: F, label: 'Financial data' },
  { key: 'user.financial.bank_account', origin: F, label: 'Bank account number (IBAN)' },
  { key: 'user.financial.credit_card', origin: F, label: 'Payment card number' },
  { key: 'user.financial.card_with_credentials', origin: S, label: 'Card or financial account number with its security code or credentials', cpra: 'account_credentials' },
  { key: 'user.financial.transaction', origin: S, label: 'Transactions, orders and invoices' },
  { key: 'user.financial.credit', origin: S, label: 'Creditworthiness, income, credit score' },
  {
    key: 'user.government_id', origin: F, label: 'Government identifiers', cpra: 'government_id',
    note: 'flagged as a whole because it holds the numbers of § 1798.140(ae)(1)(A); birth certificates and vehicle registrations are not among them',
  },
  { key: 'user.government_id.birth_certificate', origin: F, label: 'Birth certificate', cpra: 'none' },
  { key: 'user.government_id.drivers_license_number', origin: F, label: "Driver's licence number" },
  { key: 'user.government_id.immigration', origin: F, label: 'Immigration or residency data', cpra: 'citizenship_immigration' },
  { key: 'user.government_id.national_identification_number', origin: F, label: 'National or state identity card number' },
  { key: 'user.government_id.passport_number', origin: F, label: 'Passport number' },
  { key: 'user.government_id.vehicle_registration', origin: F, label: 'Vehicle registration', cpra: 'none' },
  { key: 'user.government_id.ssn', origin: S, label: 'Social security number' },
  { key: 'user.government_id.tax_id', origin: S, label: 'Tax identification number' },
  { key: 'user.health_and_medical', origin: F, label: 'Health and medical data', art9: 'health', cpra: 'health' },
  {
    key: 'user.health_and_medical.genetic', origin: F, label: 'Genetic data', art9: 'genetic', cpra: 'genetic',
    note: 'fideslang files genetic data under health; the law names it apart (Art. 9(1) genetic, § 1798.140(ae)(1)(F))',
  },
  { key: 'user.health_and_medical.insurance_beneficiary_id', origin: F, label: 'Health insurance beneficiary number' },
  { key: 'user.health_and_medical.record_id', origin: F, label: 'Medical record identifier' },
  { key: 'user.health_and_medical.medical', origin: S, label: 'Medical records and diagnoses' },
  { key: 'user.health_and_medical.fitness', origin: S, label: 'Fitness and wellness data' },
  { key: 'user.name', origin: F, label: 'Personal name' },
  { key: 'user.name.first', origin: F, label: 'First name' },
  { key: 'user.name.last', origin: F, label: 'Last name' },
  { key: 'user.criminal_history', origin: F, label: 'Criminal convictions and offences', art10: true },
  { key: 'user.privacy_preferences', origin: F, label: 'Privacy preferences or settings set by the subject' },
  { key: 'user.job_title', origin: F, label: 'Job title' },
  { key: 'user.neural', origin: S, label: 'Neural data', cpra: 'neural' },
  { key: 'user.sex_life', origin: S, label: 'Sex life', art9: 'sex_life_orientation', cpra: 'sex_life_orientation' },
  { key: 'user.communications', origin: S, label: 'Communications metadata' },
  { key: 'user.communications.content', origin: S, label: 'Contents of mail, email or text messages', cpra: 'communications_content' },
  { key: 'user.employment', origin: S, label: 'Employment data' },
  { key: 'user.education', origin: S, label: 'Education data' },
  { key: 'user.sensitive', origin: S, label: 'Sensitive data of an unspecified special category (coarse legacy value)', art9: 'unspecified', cpra: 'unspecified' },
  { key: 'system', origin: F, label: 'System data: unique to, and under control of, the system (not personal data)' },
  { key: 'system.authentication', origin: F, label: 'Data used to manage access to the system' },
  { key: 'system.operations', origin: F, label: 'Data used for system operations' },
];

const MKT = { ccpa_sensitive_use_limitable: true, direct_marketing: true } as const;
const LIM = { ccpa_sensitive_use_limitable: true } as const;

export const PURPOSES: readonly PurposeDef[] = [
  { key: 'analytics', origin: F, label: 'Analytics', ...LIM },
  { key: 'analytics.reporting', origin: F, label: 'Aggregate reporting and statistics' },
  { key: 'analytics.reporting.ad_performance', origin: F, label: 'Advertising performance measurement' },
  { key: 'analytics.reporting.content_performance', origin: F, label: 'Content performance measurement' },
  { key: 'analytics.reporting.campaign_insights', origin: F, label: 'Campaign insights' },
  { key: 'analytics.reporting.system', origin: F, label: 'Reporting on system activity' },
  { key: 'analytics.reporting.system.performance', origin: F, label: 'Reporting on system performance' },
  { key: 'analytics.improvement', origin: S, label: 'Product improvement' },
  { key: 'collect', origin: F, label: 'Collect or store data for a purpose not yet defined', ...LIM },
  { key: 'employment', origin: F, label: 'Human resources' },
  { key: 'employment.recruitment', origin: F, label: 'Recruitment' },
  { key: 'employment.payroll', origin: S, label: 'Payroll' },
  { key: 'essential', origin: F, label: 'Essential processing' },
  { key: 'essential.fraud_detection', origin: F, label: 'Detect and prevent fraud' },
  { key: 'essential.legal_obligation', origin: F, label: 'Comply with legal obligations (tax, accounting, law enforcement requests, consent management)' },
  { key: 'essential.service', origin: F, label: 'Provide the service the user asked for' },
  { key: 'essential.service.authentication', origin: F, label: 'Authenticate users' },
  { key: 'essential.service.notifications', origin: F, label: 'Service notifications' },
  { key: 'essential.service.notifications.email', origin: F, label: 'Service notifications by email' },
  { key: 'essential.service.notifications.sms', origin: F, label: 'Service notifications by SMS' },
  { key: 'essential.service.operations', origin: F, label: 'Operate the product or service' },
  { key: 'essential.service.operations.support', origin: F, label: 'Customer support' },
  { key: 'essential.service.operations.improve', origin: F, label: 'Improve support for the service' },
  { key: 'essential.service.payment_processing', origin: F, label: 'Process payments' },
  { key: 'essential.service.security', origin: F, label: 'Secure the service' },
  { key: 'essential.service.upgrades', origin: F, label: 'Inform about service upgrades' },
  { key: 'essential.service.fulfilment', origin: S, label: 'Fulfil and deliver orders' },
  { key: 'essential.vital_interests', origin: S, label: 'Protect vital interests' },
  { key: 'essential.public_task', origin: S, label: 'Perform a task in the public interest' },
  { key: 'essential.storage', origin: S, label: 'Storage only, no other operation', art18_exception: 'storage' },
  { key: 'essential.legal_claims', origin: S, label: 'Establish, exercise or defend legal claims', art18_exception: 'legal_claims' },
  { key: 'essential.protection_of_others', origin: S, label: 'Protect the rights of another natural or legal person', art18_exception: 'protection_of_others' },
  { key: 'essential.important_public_interest', origin: S, label: 'Important public interest of the Union or a member state', art18_exception: 'important_public_interest' },
  { key: 'finance', origin: F, label: 'Finance and accounting (audits, tax reporting)' },
  {
    key: 'functional', origin: F, label: 'Functional', ...LIM,
    note: 'not essential in fideslang: treated as beyond 11 CCR § 7027(m) (conservative)',
  },
  { key: 'functional.storage', origin: F, label: "Store or access information on the user's device" },
  { key: 'functional.storage.privacy_preferences', origin: F, label: "Store the user's privacy preferences on the device" },
  { key: 'functional.service', origin: F, label: 'Provide functional features of the service' },
  { key: 'functional.service.improve', origin: F, label: 'Improve the service' },
  { key: 'marketing', origin: F, label: 'Marketing', ...MKT },
  { key: 'marketing.advertising', origin: F, label: 'Advertising, marketing or promotion', ...MKT },
  {
    key: 'marketing.advertising.first_party', origin: F, label: 'First-party advertising (contextual or targeted)', ...MKT,
    note: 'fideslang covers contextual and targeted first-party ads. Before taxonomy 2026-12-02.2 this key meant contextual only: older events read as marketing.advertising.first_party.contextual',
  },
  { key: 'marketing.advertising.first_party.contextual', origin: F, label: 'First-party contextual advertising', ...MKT },
  {
    key: 'marketing.advertising.first_party.targeted', origin: F, label: 'First-party personalised advertising', ...MKT,
    note: 'not flagged as CCPA sharing: targeting on first-party data is not cross-context behavioural advertising (§ 1798.140(k))',
  },
  { key: 'marketing.advertising.frequency_capping', origin: F, label: 'Frequency capping', ...MKT },
  { key: 'marketing.advertising.negative_targeting', origin: F, label: 'Negative targeting', ...MKT },
  { key: 'marketing.advertising.profiling', origin: F, label: 'Profiling for advertising', ...MKT },
  { key: 'marketing.advertising.serving', origin: F, label: 'Serving ads', ...MKT },
  { key: 'marketing.advertising.third_party', origin: F, label: 'Cross-context behavioural advertising with third parties', ccpa_sale_or_sharing: 'sharing', ...MKT },
  { key: 'marketing.advertising.third_party.targeted', origin: F, label: 'Third-party targeted advertising', ...MKT },
  { key: 'marketing.communications', origin: F, label: 'Direct marketing communications', ...MKT },
  { key: 'marketing.communications.email', origin: F, label: 'Marketing email and newsletters', ...MKT },
  { key: 'marketing.communications.sms', origin: F, label: 'Marketing SMS and push', ...MKT },
  { key: 'operations', origin: F, label: "Business processes necessary to the organisation's operation" },
  { key: 'personalize', origin: F, label: 'Personalisation', ...LIM },
  { key: 'personalize.content', origin: F, label: 'Personalised content' },
  { key: 'personalize.content.limited', origin: F, label: 'Content selected on limited data' },
  { key: 'personalize.content.profiling', origin: F, label: 'Create content profiles' },
  { key: 'personalize.content.profiled', origin: F, label: 'Content selected on profiles' },
  { key: 'personalize.profiling', origin: F, label: 'Create profiles to serve content', note: 'deprecated in fideslang 2.1.1 (replaced by personalize.content.profiling); still a default key' },
  { key: 'personalize.system', origin: F, label: 'Personalise the system' },
  { key: 'personalize.recommendations', origin: S, label: 'Recommendations' },
  {
    key: 'sales', origin: F, label: 'Sales activities such as communications and outreach', ...LIM,
    note: 'not flagged as direct marketing: fideslang also files sales administration here; declare marketing.communications.* for outreach to individuals (GDPR Art. 21(2))',
  },
  {
    key: 'third_party_sharing', origin: F, label: 'Transfer of personal data to third parties outside the service', ...LIM,
    note: 'fideslang: any transfer to a third party. Not a CCPA sale by itself: a sale needs monetary or other valuable consideration (§ 1798.140(ad)); declare third_party_sharing.sale for one. Before taxonomy 2026-12-02.2 this key meant a sale: older events read as third_party_sharing.sale',
  },
  {
    key: 'third_party_sharing.legal_obligation', origin: F, label: 'Sharing required by contract, law or regulation', ccpa_sensitive_use_limitable: false,
    note: 'not a sale, not limitable: compliance with law is outside the CCPA obligations (§ 1798.145(a)(1))',
  },
  { key: 'third_party_sharing.sale', origin: S, label: 'Disclosure of personal data to third parties for consideration', ccpa_sale_or_sharing: 'sale', ...LIM },
  { key: 'third_party_sharing.sale.data_broker', origin: S, label: 'Sale to data brokers' },
  { key: 'train_ai_system', origin: F, label: 'Train an AI system or data model', ...LIM },
  { key: 'research', origin: S, label: 'Research and development', ...LIM },
  { key: 'legacy', origin: S, label: 'Coarse purposes sent by older clients' },
  { key: 'legacy.user_consent', origin: S, label: 'Unspecified purpose the user consented to (coarse legacy value)', ...LIM },
  { key: 'legacy.legitimate_interest', origin: S, label: 'Unspecified purpose pursued on legitimate interests (coarse legacy value)', ...LIM },
];

export const SUBJECT_CATEGORIES: readonly SubjectCategoryDef[] = [
  { key: 'anonymous_user', origin: F, label: 'Anonymous users (no risk of re-identification)' },
  { key: 'citizen_voter', origin: F, label: 'Registered voters' },
  { key: 'commuter', origin: F, label: 'Commuters (travelling, in the context of location tracking)' },
  { key: 'consultant', origin: F, label: 'Consultants' },
  { key: 'customer', origin: F, label: 'Customers' },
  { key: 'employee', origin: F, label: 'Employees', vulnerable: true },
  { key: 'job_applicant', origin: F, label: 'Job applicants', vulnerable: true },
  { key: 'next_of_kin', origin: F, label: 'Relatives of another subject' },
  { key: 'passenger', origin: F, label: 'Passengers' },
  { key: 'patient', origin: F, label: 'Patients', vulnerable: true },
  { key: 'prospect', origin: F, label: 'Prospective customers and leads' },
  { key: 'shareholder', origin: F, label: 'Shareholders' },
  { key: 'supplier_vendor', origin: F, label: 'Suppliers and vendors, and contact persons at them' },
  { key: 'trainee', origin: F, label: 'Trainees', vulnerable: true, note: 'WP248 rev.01 criterion 7 names employees: trainees stand in the same imbalance of power' },
  { key: 'visitor', origin: F, label: 'Website and app visitors' },
  { key: 'subscriber', origin: S, label: 'Newsletter subscribers' },
  { key: 'contractor', origin: S, label: 'Contractors and freelancers' },
  { key: 'child', origin: S, label: 'Children', vulnerable: true, minor: true },
  { key: 'student', origin: S, label: 'Students' },
  { key: 'citizen', origin: S, label: 'Citizens' },
  { key: 'member', origin: S, label: 'Members of an association' },
];
