/** Pseudonymous subject keys (`sub_` + 32 base64url characters) mentioned in a stream name or stored bytes. */
const SUBJECT_KEY = /(?<![A-Za-z0-9_])sub_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/g;

export function mentionsSubject(subjectKey: string, ...texts: readonly string[]): boolean {
  return texts.some((t) => t.includes(subjectKey) && [...t.matchAll(SUBJECT_KEY)].some((m) => m[0] === subjectKey));
}
