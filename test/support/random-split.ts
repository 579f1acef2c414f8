/** Deterministic pseudo-random numbers (mulberry32), so a failing split can be reproduced from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits a log into consecutive batches of 1..max events, the sizes drawn from the seed (batched-handler tests). */
export function randomSplit<T>(xs: readonly T[], seed: number, max: number): T[][] {
  const next = prng(seed);
  const out: T[][] = [];
  for (let i = 0; i < xs.length; ) {
    const n = 1 + Math.floor(next() * max);
    out.push(xs.slice(i, i + n));
    i += n;
  }
  return out;
}
