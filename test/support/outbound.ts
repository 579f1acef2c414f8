import type { HostResolver } from '@pl/outbound';

/** Tests never query DNS: a name resolves only through a resolver the test passes. */
export const noDnsInTests: HostResolver = async () => {
  throw Object.assign(new Error('tests resolve no host names'), { code: 'ENOTFOUND' });
};

/** A resolver giving these answers in turn (the last one from then on), counting its calls. */
export function answers(...sequence: string[][]): HostResolver & { calls: number; next: string[][] } {
  const r = Object.assign(
    async () => {
      const answer = r.next.length > 1 ? r.next.shift()! : r.next[0];
      r.calls++;
      return answer.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
    },
    { calls: 0, next: [...sequence] },
  );
  return r;
}
