import { invalidTaskReason } from './tasks';

const task = { request_id: 'r1', task_id: 't1', system_id: 'crm', subject_key: 'sub_x', request_type: 'erasure', jurisdiction: 'GDPR', categories: ['user.contact.email'], retained: [], dispatched_at: '', due_at: '', attempt: 1 };

describe('rights task envelopes', () => {
  it('accepts a well-formed task', () => expect(invalidTaskReason({ data: task })).toBeNull());

  it.each([
    ['no data', {}, 'no task data'],
    ['no categories', { data: { ...task, categories: undefined } }, 'categories must be a list of strings'],
    ['categories not strings', { data: { ...task, categories: [1] } }, 'categories must be a list of strings'],
    ['no task id', { data: { ...task, task_id: '' } }, 'missing task_id'],
    ['null', null, 'no task data'],
  ])('names why a malformed task is skipped: %s', (_name, envelope, reason) => expect(invalidTaskReason(envelope)).toBe(reason));
});
