import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full garbage collection once start-up is over. Start-up (module loading, Nest's module scan,
 * the OpenAPI document, PGlite's WASM bytes) leaves ~15 MiB of dead objects in the old generation
 * that an idle process never collects, since nothing allocates to trigger a major GC
 * (docs/benchmarks.md, issue 14: idle memory). `gc` is taken from a fresh context, the way
 * jest-leak-detector does, so the process needs no `--expose-gc` and `global.gc` stays hidden.
 */
export function collectStartupGarbage(): void {
  const hidden = typeof (globalThis as { gc?: unknown }).gc !== 'function';
  setFlagsFromString('--expose-gc');
  try {
    (runInNewContext('gc') as () => void)();
  } finally {
    if (hidden) setFlagsFromString('--no-expose-gc');
  }
}
