import { spec } from '../shared/testing';
import { demoDecider, MAX_ITEMS, type DemoEvent } from './demo.decider';

const now = '2026-01-01T00:00:00.000Z';
const opened: DemoEvent = { type: 'demo.list_opened', data: { list_id: 'l1', title: 'groceries', opened_at: now } };
const added: DemoEvent = { type: 'demo.item_added', data: { list_id: 'l1', item: 'milk', added_at: now } };

describe('demo decider', () => {
  it('opens a new list', () =>
    spec(demoDecider).given([]).when({ type: 'OpenList', listId: 'l1', title: 'groceries', now }).then([opened]));

  it('refuses to open a list twice', () =>
    spec(demoDecider).given([opened]).when({ type: 'OpenList', listId: 'l1', title: 'x', now }).thenThrows('conflict'));

  it('refuses an empty title', () =>
    spec(demoDecider).given([]).when({ type: 'OpenList', listId: 'l1', title: ' ', now }).thenThrows('invalid', /title/));

  it('adds items to an open list', () =>
    spec(demoDecider).given([opened]).when({ type: 'AddItem', listId: 'l1', item: 'milk', now }).then([added]));

  it('refuses items on a missing or closed list', () => {
    spec(demoDecider).given([]).when({ type: 'AddItem', listId: 'l1', item: 'milk', now }).thenThrows('not_found');
    spec(demoDecider)
      .given([opened, { type: 'demo.list_closed', data: { list_id: 'l1', closed_at: now } }])
      .when({ type: 'AddItem', listId: 'l1', item: 'milk', now })
      .thenThrows('conflict', /closed/);
  });

  it('caps the number of items', () =>
    spec(demoDecider)
      .given([opened, ...Array.from({ length: MAX_ITEMS }, () => added)])
      .when({ type: 'AddItem', listId: 'l1', item: 'one too many', now })
      .thenThrows('conflict', /at most/));

  it('closing twice is idempotent', () =>
    spec(demoDecider)
      .given([opened, { type: 'demo.list_closed', data: { list_id: 'l1', closed_at: now } }])
      .when({ type: 'CloseList', listId: 'l1', now })
      .then([]));
});
