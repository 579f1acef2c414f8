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
