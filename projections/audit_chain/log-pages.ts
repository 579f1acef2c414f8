import { LOG_START, type LogPosition, type RecordedEvent } from '@pl/domain';
import type { EventStore } from '@pl/eventstore';

/** The whole log in global order, page by page (the same for every backend). */
export async function* logEvents(store: EventStore, pageSize = 5000, after: LogPosition = LOG_START): AsyncGenerator<RecordedEvent> {
  let position = after;
  for (;;) {
    const page = await store.readAll(position, { maxCount: pageSize });
    if (!page.length) return;
    for (const e of page) yield e;
    position = page[page.length - 1].position;
  }
}
