import { conflict, declarePersonalFields, invalid, notFound, type Decider, type DomainEvent } from '../shared';

/** A deliberately small decider that proves the shape: a to-do list that can be opened, have items added and be closed. */
export type DemoEvent =
  | DomainEvent<'demo.list_opened', { list_id: string; title: string; opened_at: string }>
  | DomainEvent<'demo.item_added', { list_id: string; item: string; added_at: string }>
  | DomainEvent<'demo.list_closed', { list_id: string; closed_at: string }>;

/** A list's title and items are free text about no one subject: encrypted with a key of the list's stream. */
export const DEMO_PERSONAL_FIELDS = declarePersonalFields<DemoEvent['type']>(
  { 'demo.list_opened': ['title'], 'demo.item_added': ['item'], 'demo.list_closed': [] },
  'stream',
);

export type DemoCommand =
  | { type: 'OpenList'; listId: string; title: string; now: string }
  | { type: 'AddItem'; listId: string; item: string; now: string }
  | { type: 'CloseList'; listId: string; now: string };

export type DemoState =
  | { status: 'none' }
  | { status: 'open' | 'closed'; listId: string; items: number };

export const MAX_ITEMS = 100;

export const demoDecider: Decider<DemoCommand, DemoEvent, DemoState> = {
  initialState: () => ({ status: 'none' }),
  evolve(state, event) {
    switch (event.type) {
      case 'demo.list_opened':
        return { status: 'open', listId: event.data.list_id, items: 0 };
      case 'demo.item_added':
        return state.status === 'none' ? state : { ...state, items: state.items + 1 };
      case 'demo.list_closed':
        return state.status === 'none' ? state : { ...state, status: 'closed' };
      default:
        return state;
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'OpenList':
        if (state.status !== 'none') throw conflict('list already exists');
        if (!command.title.trim()) throw invalid('title must not be empty');
        return [{ type: 'demo.list_opened', data: { list_id: command.listId, title: command.title, opened_at: command.now } }];
      case 'AddItem':
        if (state.status === 'none') throw notFound('list does not exist');
        if (state.status === 'closed') throw conflict('list is closed');
        if (state.items >= MAX_ITEMS) throw conflict(`a list holds at most ${MAX_ITEMS} items`);
        return [{ type: 'demo.item_added', data: { list_id: command.listId, item: command.item, added_at: command.now } }];
      case 'CloseList':
        if (state.status === 'none') throw notFound('list does not exist');
        if (state.status === 'closed') return [];
        return [{ type: 'demo.list_closed', data: { list_id: command.listId, closed_at: command.now } }];
      default: {
        const exhaustive: never = command;
        return exhaustive;
      }
    }
  },
};
