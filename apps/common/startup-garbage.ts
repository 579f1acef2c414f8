import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full garbage collection once start-up is over. Start-up (module loading, Nest's module scan,
 * the OpenAPI document, PGlite's WASM bytes) leaves ~15 MiB of dead objects in the old generation
 * that an idle process never collects, since nothing allocates to trigger a major GC
 * (docs/benchmarks.md, issue 14: idle memory). `gc` is taken from a fresh context, the way
 * jest-leak-detector does, so the process needs no `--expose-gc` and `global.gc` stays hidden.
 *
 * It runs inside a `process.nextTick` callback, so a tick object is alive during the collection.
 * Run from a `setImmediate` callback (no tick queued), it left `process.nextTick` about ten times as
 * dear for the rest of the process's life: 0.40-0.45 s of CPU against 0.03-0.04 s in a
 * `bench/consent-validate.ts` run, the hot lines those building the tick object, 4-11 µs more
 * API CPU per validate request in single runs (docs/benchmarks.md, session 12). Most likely V8 dropped the tick
 * object's hidden classes, which no live object used at that moment, and the literal's inline caches
 * did not recover; with a tick alive the classes stay.
 */
export function collectStartupGarbage(): Promise<void> {
  return new Promise((resolve, reject) => {
    process.nextTick(() => {
      try {
        collectNow();
        resolve();
      } catch (e) {
        reject(e);
      }
    });
  });
}

function collectNow(): void {
  const hidden = typeof (globalThis as { gc?: unknown }).gc !== 'function';
  setFlagsFromString('--expose-gc');
  try {
    (runInNewContext('gc') as () => void)();
  } finally {
    if (hidden) setFlagsFromString('--no-expose-gc');
  }
}
