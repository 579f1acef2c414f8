import { subjectKeysIn } from '@pl/domain';

/** Whether a stream name or stored bytes mention this pseudonymous subject key standing alone. */
export function mentionsSubject(subjectKey: string, ...texts: readonly string[]): boolean {
  return texts.some((t) => t.includes(subjectKey) && subjectKeysIn(t).includes(subjectKey));
}
