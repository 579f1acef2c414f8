import { invalid } from '@pl/domain';
import { createValidationPipe } from './validation';

const bodyPipe = createValidationPipe();

/**
 * A body as the current clients send it (an object with `user_id`) or as the earlier FastAPI service's
 * clients did (scalars in the query string, lists in the body: `?user_id=U` with a JSON array, or no
 * body), shaped into the one DTO and checked by its rules.
 */
export async function subjectBody<T extends object>(metatype: new () => T, body: unknown, userId: unknown, listField: keyof T & string): Promise<T> {
  if (userId !== undefined && typeof userId !== 'string') throw invalid('user_id must be given once in the query string', { field: 'user_id' });
  let shaped = body;
  if (Array.isArray(body)) {
    if (userId === undefined) throw invalid(`a JSON array body lists ${listField}: send the subject as ?user_id= in the query string`, { field: 'user_id' });
    shaped = { user_id: userId, [listField]: body };
  } else if (userId !== undefined && (body === undefined || body === null)) {
    shaped = { user_id: userId };
  } else if (userId !== undefined && typeof body === 'object') {
    const inBody = (body as { user_id?: unknown }).user_id;
    if (inBody !== undefined && inBody !== userId) throw invalid('user_id in the query string and in the body differ: send it once', { field: 'user_id' });
    shaped = { ...body, user_id: userId };
  }
  return (await bodyPipe.transform(shaped, { type: 'body', metatype })) as T;
}
