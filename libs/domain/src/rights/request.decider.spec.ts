import { spec } from '../shared/testing';
import type { RightsCommand } from './commands';
import type { RequestReceivedData, RetainedItem, RightsEvent } from './events';
import { requestDecider } from './request.decider';
import { domainUpcasters } from '../upcasters';

const subject = 'sub_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const T0 = new Date('2026-03-02T10:00:00.000Z'); // a Monday
const at = (iso: string) => new Date(iso);
const dsr = spec(requestDecider);

const receive = (over: Partial<Extract<RightsCommand, { type: 'ReceiveRequest' }>> = {}): RightsCommand => ({
  type: 'ReceiveRequest',
  requestId: 'r1',
  subjectKey: subject,
  requestType: 'erasure',
  jurisdiction: 'GDPR',
  channel: 'api',
  openRequests: [],
  now: T0,
  ...over,
});

const received = (over: Partial<RequestReceivedData> = {}): RightsEvent => ({
  type: 'rights.request_received',
  data: {
    request_id: 'r1',
    subject_key: subject,
    request_type: 'erasure',
    jurisdiction: 'GDPR',
    channel: 'api',
    authorised_agent: null,
    is_account_holder: false,
    access_scope: null,
    data_categories: null,
    objection: null,
    received_at: T0.toISOString(),
    due_at: '2026-04-02T22:59:59.999Z',
    deadline_rule: 'gdpr_response',
    calendar: 'gb-eaw',
    establishment: { country: 'GB', region: 'ENG' },
    month_counting: 'uk_ico',
    calendar_warnings: [],
    confirm_by: null,
    verification_required: true,
    ...over,
  },
});

const verified = (due = '2026-04-02T22:59:59.999Z', at = '2026-03-03T09:00:00.000Z'): RightsEvent => ({
  type: 'rights.identity_verified',
  data: { request_id: 'r1', method: 'documents', level: 'reasonable', data_points: 0, signed_declaration: false, verified_at: at, due_at: due },
});

const dispatched = (taskId: string, systemId: string, extra: Partial<Extract<RightsEvent, { type: 'rights.task_dispatched' }>['data']> = {}): RightsEvent => ({
  type: 'rights.task_dispatched',
  data: {
    request_id: 'r1', task_id: taskId, system_id: systemId, subject_key: subject, request_type: 'erasure', jurisdiction: 'GDPR',
    integration: 'kafka', categories: ['contact'], retained: [], dispatched_at: '2026-03-03T10:00:00.000Z', due_at: '2026-04-02T22:59:59.999Z', attempt: 1, ...extra,
  },
});

const result = (taskId: string, systemId: string, outcome: 'done' | 'no_data' | 'cannot_comply', reason: string | null = null, retained: RetainedItem[] = []): RightsEvent => ({
  type: 'rights.task_result_recorded',
  data: { request_id: 'r1', subject_key: subject, task_id: taskId, system_id: systemId, outcome, records_affected: outcome === 'done' ? 3 : null, reason, retained, recorded_at: '2026-03-04T10:00:00.000Z' },
});

const erased: RightsEvent = {
  type: 'rights.subject_erased',
  schemaVersion: 2,
  data: { request_id: 'r1', subject_key: subject, erased: { data_keys_shredded: 1, read_models_purged: ['consent'] }, retained: [], ground: 'GDPR Art. 17(1)(b)', erased_at: '2026-03-03T11:00:00.000Z' },
};

const payments: RetainedItem = { system_id: 'billing', category: 'payment', reason_code: 'legal_obligation_retention', source: 'GDPR Art. 17(3)(b)', explanation: 'kept 7 years', retain_until: '2033-03-03' };

describe('receiving a request', () => {
  it('records type, jurisdiction, channel and the statutory due date (GDPR: one month, ICO counting)', () =>
    dsr.given([]).when(receive()).then([received()]));

  it('CCPA: 45 calendar days and a confirmation within 10 business days', () =>
    dsr.given([]).when(receive({ jurisdiction: 'CCPA', requestType: 'access', accessScope: 'specific_pieces' })).then([
      received({
        jurisdiction: 'CCPA', request_type: 'access', access_scope: 'specific_pieces', calendar: 'us-ca', establishment: null, month_counting: null, deadline_rule: 'ccpa_response',
        due_at: '2026-04-17T06:59:59.999Z', confirm_by: '2026-03-17T06:59:59.999Z',
      }),
    ]));

  it('CCPA opt-out of sale/sharing: 15 business days, no verification needed', () =>
    dsr.given([]).when(receive({ jurisdiction: 'CCPA', requestType: 'opt_out_sale_sharing', channel: 'gpc' })).thenMatches(([e]) => {
      expect(e.type).toBe('rights.request_received');
      const d = e.data as RequestReceivedData;
      expect(d.due_at).toBe('2026-03-24T06:59:59.999Z');
      expect(d.verification_required).toBe(false);
      expect(d.confirm_by).toBeNull();
    }));

  it('records an authorised agent and the named categories', () =>
    dsr.given([]).when(receive({ authorisedAgent: { kind: 'authorised_agent' }, dataCategories: ['contact', 'location'] })).then([
      received({ authorised_agent: { kind: 'authorised_agent' }, data_categories: ['contact', 'location'] }),
    ]));

  it('refuses a second open request of the same type for the subject', () =>
    dsr.given([]).when(receive({ openRequests: [{ request_id: 'r0', request_type: 'erasure' }] })).thenThrows('conflict', /open request of the same type/));

  it('accepts an open request of another type', () =>
    dsr.given([]).when(receive({ openRequests: [{ request_id: 'r0', request_type: 'access' }] })).then([received()]));

  it('refuses a request id used twice', () => dsr.given([received()]).when(receive()).thenThrows('conflict', /already exists/));

  it('refuses a raw user id as subject key', () => dsr.given([]).when(receive({ subjectKey: 'alice@example.com' })).thenThrows('invalid', /pseudonym/));
  it('refuses a key that is not a whole pseudonym (this decider once took any 8+ characters)', () =>
    dsr.given([]).when(receive({ subjectKey: 'sub_abc12345' })).thenThrows('invalid', /pseudonym/));

  it('refuses a type the jurisdiction does not have', () => {
    dsr.given([]).when(receive({ jurisdiction: 'GDPR', requestType: 'opt_out_sale_sharing' })).thenThrows('invalid', /GDPR has no/);
    dsr.given([]).when(receive({ jurisdiction: 'CCPA', requestType: 'restriction' })).thenThrows('invalid', /CCPA has no/);
  });

  it('an objection names its scope; other types carry none', () => {
    dsr.given([]).when(receive({ requestType: 'objection' })).thenThrows('invalid', /scope/);
    dsr.given([]).when(receive({ objection: { scope: 'direct_marketing' } })).thenThrows('invalid', /objection/);
  });

  it('a rectification carries the corrected values in their own (encrypted) event; its categories default to theirs', () => {
    dsr.given([]).when(receive({ requestType: 'rectification', corrections: { 'user.contact.email': 'new@example.com' } })).thenMatches(([r, c]) => {
      expect(r.data).toMatchObject({ request_type: 'rectification', data_categories: ['user.contact.email'] });
      expect(JSON.stringify(r.data)).not.toContain('new@example.com');
      expect(c).toEqual({ type: 'rights.corrections_provided', data: { request_id: 'r1', subject_key: subject, corrections: { 'user.contact.email': 'new@example.com' }, provided_at: T0.toISOString() } });
    });
    dsr.given([]).when(receive({ requestType: 'rectification' })).thenThrows('invalid', /corrected values/);
    dsr.given([]).when(receive({ corrections: { 'user.name': 'x' } })).thenThrows('invalid', /rectification requests only/);
  });

  it('records a request received in December 2027: its due date is computed in 2028 (never refused)', () =>
    dsr.given([]).when(receive({ now: at('2027-12-20T10:00:00Z') })).thenMatches(([e]) => {
      // 20 Jan 2028 is a Thursday; England in winter is UTC
      expect((e.data as RequestReceivedData).due_at).toBe('2028-01-20T23:59:59.999Z');
    }));

  it('GDPR: the establishment decides calendar, clock and counting (Art. 56; Reg. 1182/71 Art. 3(4))', () =>
    // 6 May 2026 + 1 month = 6 Jun (Saturday) -> Mon 8 Jun, end of day in Berlin (CEST); Bavaria's Corpus Christi is 4 Jun, not in the way
    dsr.given([]).when(receive({ now: at('2026-05-06T10:00:00Z'), establishment: { country: 'DE', region: 'BY' } })).thenMatches(([e]) => {
      const d = e.data as RequestReceivedData;
      expect(d).toMatchObject({ calendar: 'de-by', establishment: { country: 'DE', region: 'BY' }, month_counting: 'eu_reg_1182_71', calendar_warnings: [] });
      expect(d.due_at).toBe('2026-06-08T21:59:59.999Z');
    }));

  it('a place without a calendar is recorded all the same, counting weekends only, with a warning', () =>
    dsr.given([]).when(receive({ establishment: { country: 'AQ', region: null } })).thenMatches(([e]) => {
      const d = e.data as RequestReceivedData;
      expect(d.calendar).toBe('weekends-only');
      expect(d.calendar_warnings).toEqual([expect.stringMatching(/no holiday calendar for AQ: Saturdays and Sundays only/)]);
    }));

  it('a malformed establishment is bad input', () =>
    dsr.given([]).when(receive({ establishment: { country: 'Germany' } })).thenThrows('invalid', /establishment/));
});

describe('identity verification', () => {
  it('records method and level (GDPR)', () =>
    dsr.given([received()]).when({ type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at('2026-03-03T09:00:00Z') }).then([verified()]));

  it('GDPR: the clock restarts when identity information had to be asked for (ICO)', () =>
    dsr
      .given([received(), { type: 'rights.identity_info_requested', data: { request_id: 'r1', reason: 'name does not match', requested_at: '2026-03-02T11:00:00.000Z' } }])
      .when({ type: 'VerifyIdentity', evidence: { method: 'documents' }, now: at('2026-03-10T09:00:00Z') })
      .then([verified('2026-04-10T22:59:59.999Z', '2026-03-10T09:00:00.000Z')]));

  it('CCPA: the clock does not restart (11 CCR § 7021(b))', () =>
    dsr
      .given([
        received({ jurisdiction: 'CCPA', request_type: 'access', access_scope: 'categories', due_at: '2026-04-17T06:59:59.999Z', calendar: 'us-federal' }),
        { type: 'rights.identity_info_requested', data: { request_id: 'r1', reason: 'more data points', requested_at: '2026-03-02T11:00:00.000Z' } },
      ])
      .when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 2 }, now: at('2026-03-20T09:00:00Z') })
      .thenMatches(([e]) => expect((e.data as { due_at: string }).due_at).toBe('2026-04-17T06:59:59.999Z')));

  const ccpa = (scope: 'categories' | 'specific_pieces', over: Partial<RequestReceivedData> = {}) =>
    received({ jurisdiction: 'CCPA', request_type: 'access', access_scope: scope, due_at: '2026-04-17T06:59:59.999Z', calendar: 'us-federal', ...over });

  it('CCPA categories: two data points suffice, one does not', () => {
    dsr.given([ccpa('categories')]).when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 1 }, now: T0 }).thenThrows('precondition', /2 matching data points/);
    dsr.given([ccpa('categories')]).when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 2 }, now: T0 }).thenMatches(([e]) =>
      expect(e.data).toMatchObject({ level: 'reasonable_degree', data_points: 2 }));
  });

  it('CCPA specific pieces: three data points and a signed declaration', () => {
    dsr.given([ccpa('specific_pieces')]).when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 3 }, now: T0 }).thenThrows('precondition', /signed declaration/);
    dsr.given([ccpa('specific_pieces')]).when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 3, signedDeclaration: true }, now: T0 }).thenMatches(([e]) =>
      expect(e.data).toMatchObject({ level: 'reasonably_high_degree', signed_declaration: true }));
  });

  it('CCPA deletion and correction: two data points', () =>
    dsr.given([received({ jurisdiction: 'CCPA', request_type: 'erasure' })]).when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 1 }, now: T0 }).thenThrows('precondition', /2 matching/));

  it('account holders verify through their existing authentication; non-holders cannot', () => {
    dsr.given([ccpa('specific_pieces', { is_account_holder: true })]).when({ type: 'VerifyIdentity', evidence: { method: 'account_authentication' }, now: T0 }).thenMatches(([e]) =>
      expect(e.data).toMatchObject({ method: 'account_authentication', level: 'reasonably_high_degree' }));
    dsr.given([ccpa('categories')]).when({ type: 'VerifyIdentity', evidence: { method: 'account_authentication' }, now: T0 }).thenThrows('precondition', /account holders/);
  });

  it("an authorised agent needs the subject's signed permission; a power of attorney does not", () => {
    dsr.given([ccpa('categories', { authorised_agent: { kind: 'authorised_agent' } })]).when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 2 }, now: T0 }).thenThrows('precondition', /signed permission/);
    dsr.given([ccpa('categories', { authorised_agent: { kind: 'power_of_attorney' } })]).when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 2 }, now: T0 }).thenMatches((e) => expect(e).toHaveLength(1));
  });

  it('GDPR: never verified on zero evidence (Art. 12(6))', () => {
    dsr.given([received()]).when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 0 }, now: T0 }).thenThrows('precondition', /1 matching data point is required \(GDPR Art. 12\(6\)/);
    dsr.given([received()]).when({ type: 'VerifyIdentity', evidence: { method: 'other' }, now: T0 }).thenThrows('precondition', /identity documents \(GDPR/);
    dsr.given([received()]).when({ type: 'VerifyIdentity', evidence: { method: 'data_points', dataPointsMatched: 1 }, now: T0 }).thenMatches((e) => expect(e).toHaveLength(1));
    dsr.given([received()]).when({ type: 'VerifyIdentity', evidence: { method: 'account_authentication' }, now: T0 }).thenThrows('precondition', /account holders \(GDPR Art. 12\(6\)/);
  });

  it('verifying twice changes nothing', () => dsr.given([received(), verified()]).when({ type: 'VerifyIdentity', evidence: { method: 'documents' }, now: T0 }).then([]));

  it('asks for identity information with a reason; not once verified, not for opt-outs', () => {
    dsr.given([received()]).when({ type: 'RequestIdentityInfo', reason: 'photo id', now: T0 }).then([
      { type: 'rights.identity_info_requested', data: { request_id: 'r1', reason: 'photo id', requested_at: T0.toISOString() } },
    ]);
    dsr.given([received(), verified()]).when({ type: 'RequestIdentityInfo', reason: 'x', now: T0 }).thenThrows('conflict');
    dsr.given([received({ verification_required: false })]).when({ type: 'RequestIdentityInfo', reason: 'x', now: T0 }).thenThrows('precondition');
  });

  it('commands on an unknown request are refused', () => dsr.given([]).when({ type: 'VerifyIdentity', evidence: { method: 'documents' }, now: T0 }).thenThrows('not_found'));
});

describe('CCPA receipt confirmation', () => {
  it('is recorded once', () => {
    const r = received({ jurisdiction: 'CCPA', request_type: 'erasure', confirm_by: '2026-03-17T06:59:59.999Z' });
    const confirmed: RightsEvent = { type: 'rights.receipt_confirmed', data: { request_id: 'r1', confirmed_at: T0.toISOString() } };
    dsr.given([r]).when({ type: 'ConfirmReceipt', now: T0 }).then([confirmed]);
    dsr.given([r, confirmed]).when({ type: 'ConfirmReceipt', now: T0 }).then([]);
  });
  it('does not apply to GDPR', () => dsr.given([received()]).when({ type: 'ConfirmReceipt', now: T0 }).thenThrows('precondition', /7021/));
});

describe('extension', () => {
  it('GDPR: up to two more months, with the reason, notified within the first month', () =>
    dsr.given([received(), verified()]).when({ type: 'ExtendDeadline', reason: 'complex: 14 systems', now: at('2026-03-20T10:00:00Z') }).then([
      {
        type: 'rights.request_extended',
        data: {
          request_id: 'r1', reason: 'complex: 14 systems', previous_due_at: '2026-04-02T22:59:59.999Z', due_at: '2026-06-02T22:59:59.999Z',
          notified_at: '2026-03-20T10:00:00.000Z', source: 'GDPR Art. 12(3); ICO, Right of access: time limits for responding (UK GDPR Art. 12(3))',
        },
      },
    ]));

  it('GDPR: too late after the first month', () =>
    dsr.given([received(), verified()]).when({ type: 'ExtendDeadline', reason: 'complex', now: at('2026-04-03T10:00:00Z') }).thenThrows('precondition', /within the first/));

  it('CCPA: +45 days (90 from receipt)', () =>
    dsr.given([received({ jurisdiction: 'CCPA', request_type: 'erasure', calendar: 'us-federal', due_at: '2026-04-17T06:59:59.999Z' })])
      .when({ type: 'ExtendDeadline', reason: 'volume', now: at('2026-04-01T10:00:00Z') })
      .thenMatches(([e]) => expect(e.data).toMatchObject({ due_at: '2026-06-01T06:59:59.999Z' })));

  it('only once, with a reason, and never for opt-outs', () => {
    const ext: RightsEvent = { type: 'rights.request_extended', data: { request_id: 'r1', reason: 'x', previous_due_at: '', due_at: '2026-06-02T22:59:59.999Z', notified_at: '', source: '' } };
    dsr.given([received(), ext]).when({ type: 'ExtendDeadline', reason: 'again', now: T0 }).thenThrows('conflict', /one extension/);
    dsr.given([received()]).when({ type: 'ExtendDeadline', reason: ' ', now: T0 }).thenThrows('invalid', /reason/);
    dsr.given([received({ jurisdiction: 'CCPA', request_type: 'opt_out_sale_sharing', verification_required: false })]).when({ type: 'ExtendDeadline', reason: 'x', now: T0 }).thenThrows('precondition', /cannot be extended/);
  });
});

describe('fan-out and results', () => {
  const dispatch = (now = at('2026-03-03T10:00:00Z')): RightsCommand => ({
    type: 'DispatchTasks',
    tasks: [
      { taskId: 't1', systemId: 'crm', integration: 'kafka', categories: ['contact'] },
      { taskId: 't2', systemId: 'billing', integration: 'manual', categories: ['contact'], retained: [payments] },
    ],
    recipients: ['adtech-partner'],
    now,
  });

  it('one task per system with the categories in scope, and Art. 19 notices to recipients', () =>
    dsr.given([received(), verified()]).when(dispatch()).then([
      dispatched('t1', 'crm'),
      dispatched('t2', 'billing', { integration: 'manual', retained: [payments] }),
      {
        type: 'rights.recipient_notified',
        data: { request_id: 'r1', recipient_id: 'adtech-partner', request_type: 'erasure', subject_key: subject, categories: [], notified_at: '2026-03-03T10:00:00.000Z', source: 'GDPR Art. 19' },
      },
    ]));

  it('never before identity verification', () => dsr.given([received()]).when(dispatch()).thenThrows('precondition', /verification/));

  it('opt-outs need no verification and dispatch at once', () =>
    dsr.given([received({ jurisdiction: 'CCPA', request_type: 'opt_out_sale_sharing', verification_required: false })])
      .when({ type: 'DispatchTasks', tasks: [{ taskId: 't1', systemId: 'ads', integration: 'kafka', categories: [] }], now: T0 })
      .thenMatches((e) => expect(e.map((x) => x.type)).toEqual(['rights.task_dispatched'])));

  it('re-dispatching is idempotent per task and per system; recipients are told once', () =>
    dsr.given([received(), verified(), ...[dispatched('t1', 'crm')], { type: 'rights.recipient_notified', data: { request_id: 'r1', recipient_id: 'adtech-partner', request_type: 'erasure', subject_key: subject, categories: [], notified_at: '', source: '' } }])
      .when(dispatch())
      .thenMatches((e) => expect(e.map((x) => (x.data as { system_id?: string }).system_id)).toEqual(['billing'])));

  it('access requests do not notify recipients', () =>
    dsr.given([received({ request_type: 'access' }), verified()]).when({ type: 'DispatchTasks', tasks: [], recipients: ['x'], now: T0 }).then([]));

  it('a result is recorded; the last one completes the request (erasure: after the ledger erasure)', () => {
    dsr.given([received(), verified(), dispatched('t1', 'crm'), dispatched('t2', 'billing')]).when({ type: 'RecordTaskResult', taskId: 't1', outcome: 'done', recordsAffected: 3, now: at('2026-03-04T10:00:00Z') }).then([result('t1', 'crm', 'done')]);
    dsr.given([received(), verified(), dispatched('t1', 'crm'), result('t1', 'crm', 'done'), dispatched('t2', 'billing')])
      .when({ type: 'RecordTaskResult', taskId: 't2', outcome: 'done', recordsAffected: 3, now: at('2026-03-04T10:00:00Z') })
      .then([result('t2', 'billing', 'done')]);
    dsr.given([received(), verified(), erased, dispatched('t1', 'crm'), result('t1', 'crm', 'done'), dispatched('t2', 'billing')])
      .when({ type: 'RecordTaskResult', taskId: 't2', outcome: 'done', recordsAffected: 3, now: at('2026-03-04T10:00:00Z') })
      .then([
        result('t2', 'billing', 'done'),
        { type: 'rights.request_completed', data: { request_id: 'r1', subject_key: subject, request_type: 'erasure', outcome: 'completed', reasons: [], retained: [], completed_at: '2026-03-04T10:00:00.000Z' } },
      ]);
  });

  it('completion lists retained items and reasons', () =>
    dsr.given([received(), verified(), erased, dispatched('t1', 'crm'), dispatched('t2', 'billing', { retained: [payments] }), result('t2', 'billing', 'done')])
      .when({ type: 'RecordTaskResult', taskId: 't1', outcome: 'cannot_comply', reason: 'legacy system', now: at('2026-03-04T10:00:00Z') })
      .then([
        result('t1', 'crm', 'cannot_comply', 'legacy system'),
        {
          type: 'rights.request_completed',
          data: { request_id: 'r1', subject_key: subject, request_type: 'erasure', outcome: 'partially_completed', reasons: [{ system_id: 'crm', reason: 'legacy system' }], retained: [payments], completed_at: '2026-03-04T10:00:00.000Z' },
        },
      ]));

  it('a system that cannot comply must say why', () =>
    dsr.given([received(), verified(), dispatched('t1', 'crm')]).when({ type: 'RecordTaskResult', taskId: 't1', outcome: 'cannot_comply', now: T0 }).thenThrows('invalid', /reason/));

  it('a repeated result is ignored; a contradicting one is refused; unknown tasks are not found', () => {
    const given = [received(), verified(), dispatched('t1', 'crm'), result('t1', 'crm', 'done'), dispatched('t2', 'billing')];
    dsr.given(given).when({ type: 'RecordTaskResult', taskId: 't1', outcome: 'done', now: T0 }).then([]);
    dsr.given(given).when({ type: 'RecordTaskResult', taskId: 't1', outcome: 'no_data', now: T0 }).thenThrows('conflict', /different result/);
    dsr.given(given).when({ type: 'RecordTaskResult', taskId: 'nope', outcome: 'done', now: T0 }).thenThrows('not_found');
  });

  it('retries re-dispatch a pending task with the next attempt number; escalation is recorded once', () => {
    dsr.given([received(), verified(), dispatched('t1', 'crm', { integration: 'webhook' })]).when({ type: 'RetryTask', taskId: 't1', now: at('2026-03-03T10:00:00Z') }).then([dispatched('t1', 'crm', { attempt: 2, integration: 'webhook' })]);
    dsr.given([received(), verified(), dispatched('t1', 'crm'), result('t1', 'crm', 'done')]).when({ type: 'RetryTask', taskId: 't1', now: T0 }).thenThrows('precondition');
    // a clock tick repeated before its read model caught up: the send it saw was already followed up
    dsr.given([received(), verified(), dispatched('t1', 'crm', { integration: 'webhook' }), dispatched('t1', 'crm', { attempt: 2, integration: 'webhook' })]).when({ type: 'RetryTask', taskId: 't1', seenAttempt: 1, now: at('2026-03-03T10:00:00Z') }).then([]);
    const esc: RightsEvent = { type: 'rights.task_escalated', data: { request_id: 'r1', task_id: 't1', system_id: 'crm', reason: 'no answer in 3 days', escalated_at: T0.toISOString() } };
    dsr.given([received(), verified(), dispatched('t1', 'crm')]).when({ type: 'EscalateTask', taskId: 't1', reason: 'no answer in 3 days', now: T0 }).then([esc]);
    dsr.given([received(), verified(), dispatched('t1', 'crm'), esc]).when({ type: 'EscalateTask', taskId: 't1', reason: 'again', now: T0 }).then([]);
  });

  it('manual completion needs verification, no pending task and (erasure) the ledger erasure', () => {
    dsr.given([received({ request_type: 'access' })]).when({ type: 'CompleteRequest', now: T0 }).thenThrows('precondition', /unverified/);
    dsr.given([received(), verified(), dispatched('t1', 'crm')]).when({ type: 'CompleteRequest', now: T0 }).thenThrows('precondition', /pending/);
    dsr.given([received(), verified()]).when({ type: 'CompleteRequest', now: T0 }).thenThrows('precondition', /crypto-shredding/);
    dsr.given([received({ request_type: 'access' }), verified()]).when({ type: 'CompleteRequest', now: T0 }).thenMatches(([e]) => expect(e.data).toMatchObject({ outcome: 'completed' }));
  });

  it('an erasure of named categories leaves the ledger keys alone and completes on the systems\' results', () =>
    dsr.given([received({ data_categories: ['user.contact'] }), verified(), dispatched('t1', 'crm')])
      .when({ type: 'RecordTaskResult', taskId: 't1', outcome: 'done', recordsAffected: 3, now: at('2026-03-04T10:00:00Z') })
      .thenMatches((e) => expect(e.map((x) => x.type)).toEqual(['rights.task_result_recorded', 'rights.request_completed'])));

  it('access results carry the returned data (encrypted by the codec)', () =>
    dsr.given([received({ request_type: 'access' }), verified(), dispatched('t1', 'crm', { request_type: 'access' })])
      .when({ type: 'RecordTaskResult', taskId: 't1', outcome: 'done', data: { email: 'a@example.com' }, now: at('2026-03-04T10:00:00Z') })
      .thenMatches(([result, data]) => {
        expect(JSON.stringify(result.data)).not.toContain('a@example.com');
        expect(data).toEqual({ type: 'rights.task_data_received', data: { request_id: 'r1', subject_key: subject, task_id: 't1', system_id: 'crm', data: { email: 'a@example.com' }, received_at: '2026-03-04T10:00:00.000Z' } });
      }));

  it('erasure results carry no data', () =>
    dsr.given([received(), verified(), dispatched('t1', 'crm')])
      .when({ type: 'RecordTaskResult', taskId: 't1', outcome: 'done', data: { email: 'a@example.com' }, now: T0 })
      .thenThrows('invalid', /carry data/));

  it('a closed request takes no more commands', () => {
    const done: RightsEvent = { type: 'rights.request_completed', data: { request_id: 'r1', subject_key: subject, request_type: 'erasure', outcome: 'completed', reasons: [], retained: [], completed_at: '' } };
    dsr.given([received(), verified(), done]).when({ type: 'ExtendDeadline', reason: 'x', now: T0 }).thenThrows('conflict', /completed/);
    dsr.given([received(), verified(), done]).when({ type: 'DispatchTasks', tasks: [], now: T0 }).thenThrows('conflict');
  });
});

describe('rejection', () => {
  it('identity not verified', () =>
    dsr.given([received()]).when({ type: 'RejectRequest', reason: 'identity_not_verified', explanation: 'no reply to the ID request within 30 days', now: T0 }).then([
      {
        type: 'rights.request_rejected',
        data: { request_id: 'r1', subject_key: subject, reason: 'identity_not_verified', explanation: 'no reply to the ID request within 30 days', source: 'GDPR Art. 12(2), 12(6)', rejected_at: T0.toISOString() },
      },
    ]));

  it('manifestly unfounded or excessive: Art. 12(5), with the explanation the controller must be able to prove', () => {
    dsr.given([received(), verified()]).when({ type: 'RejectRequest', reason: 'excessive', explanation: 'fifth identical request this month', now: T0 }).thenMatches(([e]) =>
      expect(e.data).toMatchObject({ reason: 'excessive', source: expect.stringContaining('12(5)') }));
    dsr.given([received()]).when({ type: 'RejectRequest', reason: 'manifestly_unfounded', explanation: '', now: T0 }).thenThrows('invalid', /explanation/);
  });

  it('identity_not_verified is wrong once verified, and for requests that need no verification', () => {
    dsr.given([received(), verified()]).when({ type: 'RejectRequest', reason: 'identity_not_verified', explanation: 'x', now: T0 }).thenThrows('conflict');
    dsr.given([received({ verification_required: false, jurisdiction: 'CCPA', request_type: 'opt_out_sale_sharing' })]).when({ type: 'RejectRequest', reason: 'identity_not_verified', explanation: 'x', now: T0 }).thenThrows('precondition', /7026/);
  });

  it('not after tasks were dispatched', () =>
    dsr.given([received(), verified(), dispatched('t1', 'crm')]).when({ type: 'RejectRequest', reason: 'excessive', explanation: 'x', now: T0 }).thenThrows('precondition', /dispatched/));
});

describe('deadline alerts (once per request, threshold and due date)', () => {
  it('due soon a week before, then overdue after the due date', () => {
    dsr.given([received(), verified()]).when({ type: 'FlagDeadlines', now: at('2026-03-25T00:00:00Z') }).then([]);
    dsr.given([received(), verified()]).when({ type: 'FlagDeadlines', now: at('2026-03-27T00:00:00Z') }).then([
      { type: 'rights.request_due_soon', data: { request_id: 'r1', due_at: '2026-04-02T22:59:59.999Z', flagged_at: '2026-03-27T00:00:00.000Z' } },
    ]);
    dsr.given([received(), verified()]).when({ type: 'FlagDeadlines', now: at('2026-04-03T00:00:00Z') }).then([
      { type: 'rights.request_overdue', data: { request_id: 'r1', due_at: '2026-04-02T22:59:59.999Z', flagged_at: '2026-04-03T00:00:00.000Z' } },
    ]);
  });

  it('never twice for the same due date; again after an extension moves it', () => {
    const soon: RightsEvent = { type: 'rights.request_due_soon', data: { request_id: 'r1', due_at: '2026-04-02T22:59:59.999Z', flagged_at: '' } };
    dsr.given([received(), soon]).when({ type: 'FlagDeadlines', now: at('2026-03-28T00:00:00Z') }).then([]);
    const ext: RightsEvent = { type: 'rights.request_extended', data: { request_id: 'r1', reason: 'x', previous_due_at: '', due_at: '2026-06-02T22:59:59.999Z', notified_at: '', source: '' } };
    dsr.given([received(), soon, ext]).when({ type: 'FlagDeadlines', now: at('2026-05-30T00:00:00Z') }).thenMatches(([e]) => expect(e.type).toBe('rights.request_due_soon'));
  });

  it('closed requests raise nothing', () =>
    dsr.given([received(), { type: 'rights.request_rejected', data: { request_id: 'r1', subject_key: subject, reason: 'excessive', explanation: 'x', source: '', rejected_at: '' } }])
      .when({ type: 'FlagDeadlines', now: at('2026-06-01T00:00:00Z') })
      .then([]));
});

describe('restriction (Art. 18)', () => {
  const r = received({ request_type: 'restriction' });
  const notice: RightsEvent = { type: 'rights.restriction_lift_notified', data: { request_id: 'r1', subject_key: subject, reason: 'accuracy verified', notified_at: T0.toISOString() } };

  it('the subject is told before lifting (18(3))', () => {
    dsr.given([r, verified()]).when({ type: 'LiftRestriction', now: T0 }).thenThrows('precondition', /18\(3\)/);
    dsr.given([r, verified()]).when({ type: 'NotifyRestrictionLift', reason: 'accuracy verified', now: T0 }).then([notice]);
    dsr.given([r, verified(), notice]).when({ type: 'LiftRestriction', now: T0 }).then([
      { type: 'rights.restriction_lifted', data: { request_id: 'r1', subject_key: subject, lifted_at: T0.toISOString(), source: 'GDPR Art. 18(3)' } },
    ]);
  });

  it('only restriction requests in force can be lifted', () => {
    dsr.given([received(), verified()]).when({ type: 'NotifyRestrictionLift', reason: 'x', now: T0 }).thenThrows('precondition', /restriction request/);
    dsr.given([r]).when({ type: 'NotifyRestrictionLift', reason: 'x', now: T0 }).thenThrows('precondition', /in force/);
  });
});

describe('objection (Art. 21)', () => {
  it('an objection to direct marketing is absolute', () =>
    dsr.given([received({ request_type: 'objection', objection: { scope: 'direct_marketing', purposes: null } }), verified()])
      .when({ type: 'OverrideObjection', grounds: 'we like marketing', now: T0 })
      .thenThrows('precondition', /absolute/));

  it('compelling legitimate grounds may override a 21(1) objection', () =>
    dsr.given([received({ request_type: 'objection', objection: { scope: 'legitimate_interests_public_task', purposes: ['fraud_prevention'] } }), verified()])
      .when({ type: 'OverrideObjection', grounds: 'fraud prevention obligations', now: T0 })
      .thenMatches(([e]) => expect(e).toMatchObject({ type: 'rights.objection_overridden', data: { grounds: 'fraud prevention obligations' } })));
});

describe('data release (safety)', () => {
  const access = received({ request_type: 'access' });
  const release: RightsCommand = { type: 'RecordDataRelease', releasedTo: 'apikey:k1', sections: ['consents', 'requests'], format: 'json', items: 12, now: T0 };

  it('an unverified request never releases data', () => dsr.given([access]).when(release).thenThrows('precondition', /unverified/));

  it('every release is recorded: who, what, when, which request', () =>
    dsr.given([access, verified()]).when(release).then([
      { type: 'rights.data_released', data: { request_id: 'r1', subject_key: subject, released_to: 'apikey:k1', sections: ['consents', 'requests'], format: 'json', items: 12, released_at: T0.toISOString() } },
    ]));

  it('only access and portability release data; never after a rejection', () => {
    dsr.given([received(), verified()]).when(release).thenThrows('precondition', /only access/);
    dsr.given([received({ request_type: 'rectification' }), verified()]).when({ ...release, sections: ['corrections'] } as RightsCommand).thenMatches(([e]) => expect(e.type).toBe('rights.data_released'));
    dsr.given([access, { type: 'rights.request_rejected', data: { request_id: 'r1', subject_key: subject, reason: 'excessive', explanation: 'x', source: '', rejected_at: '' } }]).when(release).thenThrows('precondition');
  });
});

describe('ledger erasure record', () => {
  const cmd: RightsCommand = { type: 'RecordLedgerErasure', dataKeysShredded: 1, readModelsPurged: ['consent'], ground: 'GDPR Art. 17(1)(b)', now: at('2026-03-03T11:00:00Z') };
  it('is PII-free and recorded once', () => {
    dsr.given([received(), verified()]).when(cmd).then([erased]);
    dsr.given([received(), verified(), erased]).when(cmd).then([]);
  });
  it('records what the erasure analysis retained, with the reason (schema version 2)', () =>
    dsr.given([received(), verified()]).when({ ...cmd, retained: [payments] } as RightsCommand).then([{ ...erased, data: { ...(erased.data as object), retained: [payments] } } as RightsEvent]));
  it('a version 1 erasure record is upcast to "nothing retained"; a version 2 one is left as it is', () => {
    const registry = domainUpcasters();
    const v1 = { request_id: 'r1', subject_key: subject, erased: { data_keys_shredded: 1, read_models_purged: [] }, ground: 'g', erased_at: 'x' };
    expect(registry.apply('rights.subject_erased', 1, v1)).toEqual({ schemaVersion: 2, data: { ...v1, retained: [] } });
    const v2 = { ...v1, retained: [payments] };
    expect(registry.apply('rights.subject_erased', 2, v2)).toEqual({ schemaVersion: 2, data: v2 });
  });
  it('completes the request when every task already answered', () =>
    dsr.given([received(), verified(), dispatched('t1', 'crm'), result('t1', 'crm', 'done')]).when(cmd).thenMatches((e) =>
      expect(e.map((x) => x.type)).toEqual(['rights.subject_erased', 'rights.request_completed'])));
  it('after the ledger erasure the request can no longer be rejected (shredding is irreversible)', () =>
    dsr.given([received({ request_type: 'erasure' }), verified(), erased])
      .when({ type: 'RejectRequest', reason: 'manifestly_unfounded', explanation: 'x', now: at('2026-03-04T00:00:00Z') } as RightsCommand)
      .thenThrows('precondition', /already erased/));
  it('needs a verified erasure request', () => {
    dsr.given([received()]).when(cmd).thenThrows('precondition', /not verified/);
    dsr.given([received({ request_type: 'access' }), verified()]).when(cmd).thenThrows('precondition', /erasure request/);
  });
});
