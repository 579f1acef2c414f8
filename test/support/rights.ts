import type { TestApp } from './app';

/**
 * A verified request's effects (consent ledger, shredding, tasks, completion) are recorded by the
 * rights verification process manager shortly after the route answered: poll the request's status
 * route until `ready`, for at most `timeoutMs`.
 */
export async function requestStatusWhen(app: Pick<TestApp, 'request'>, requestId: string, ready: (status: any) => boolean, timeoutMs = 15_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const r = await app.request('GET', `/data-subject/requests/${requestId}`);
    if (r.status === 200 && ready(r.body)) return r.body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`request status not reached in ${timeoutMs} ms: ${JSON.stringify({ status: r.body?.status, tasks: r.body?.tasks?.length, ledger_erased: r.body?.ledger_erased })}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The catalog as its routes record it: two systems, one activity, receipts per subject. */
export async function catalogFixtures(app: TestApp, subjects: Array<{ user: string; receipts: Array<[string, string, string]> }>) {
  for (const [system_id, recipients] of [['crm', []], ['billing', ['payment-provider']]] as const) {
    const r = await app.request('POST', '/governance/systems', { system_id, name: system_id, owner: 'ops', storage: [{ country: 'DE' }], recipients });
    expect(r.status).toBe(201);
  }
  const activity = await app.request('POST', '/governance/activities', {
    activity_id: 'shop', name: 'Online shop', controller: { name: 'Shop Ltd', contact: 'dpo@shop.example' },
    purposes: [{ purpose: 'marketing', lawful_basis: 'consent' }, { purpose: 'essential.service.fulfilment', lawful_basis: 'contract' }],
    subject_categories: ['customer'], data_categories: ['user.contact', 'user.financial.transaction'], systems: ['crm', 'billing'], recipients: ['payment-provider'],
    transfers: [{ country: 'US', recipient: 'payment-provider', safeguard: 'SCC (EU) 2021/914' }], retention: [{ period: 'P2Y', reason: 'customer relationship' }],
  });
  expect(activity.status).toBe(201);
  const stored_at = new Date(Date.now() - 60_000).toISOString();
  const receipts = subjects.flatMap((s) => s.receipts.map(([system_id, data_category, processing_purpose]) => ({ user_id: s.user, system_id, data_category, processing_purpose, stored_at })));
  const r = await app.request('POST', '/privacy/receipts/batch', { receipts });
  expect(r.status).toBeLessThan(300);
}
