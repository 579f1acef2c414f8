import { parseResult } from './results-consumer';

const message = (over: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ result_id: 'r1', request_id: 'q1', task_id: 'q1:crm', system_id: 'crm', outcome: 'done', records_affected: 2, reason: null, data: null, reported_at: '2026-03-02T08:00:00.000Z', ...over }), 'utf8');

describe('parseResult (task results consumed from Kafka)', () => {
  it('given a clean result, accepts it', () => {
    expect(parseResult('crm', message())).toMatchObject({ ok: true, result: { task_id: 'q1:crm', outcome: 'done' } });
  });

  it.each([
    ['a NUL in the reason', { outcome: 'cannot_comply', reason: 'SECRET\u0000' }, /^reason .*NUL/],
    ['a lone surrogate in a data field', { data: { note: 'SECRET\ud800' } }, /^data\.note .*lone UTF-16 surrogate/],
    ['a NUL in the task id', { task_id: 'q1:crm\u0000SECRET' }, /^task_id .*NUL/],
  ])('refuses %s, naming the field and never the value (dead-lettered)', (_, over, reason) => {
    const r = parseResult('crm', message(over));
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toMatch(reason);
    expect((r as { reason: string }).reason).not.toContain('SECRET');
  });
});
