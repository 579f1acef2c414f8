/**
 * A pure function of one string, memoised for hot paths: at most `max` answers are kept (all are
 * dropped when full, so a flood of distinct keys costs memory only up to the bound). A function that
 * throws caches nothing.
 */
export function memoize<T>(fn: (key: string) => T, max = 10_000): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    let answer = seen.get(key);
    if (answer === undefined) {
      answer = fn(key);
      if (seen.size >= max) seen.clear();
      seen.set(key, answer);
    }
    return answer;
  };
}
