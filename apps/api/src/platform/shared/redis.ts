import { createClient } from 'redis';
import type { Logger } from 'pino';

/** The few Redis calls the API makes; the `redis` client satisfies it. */
export type SharedRedis = ReturnType<typeof createClient>;

/**
 * Connects to REDIS_URL (the database number in the path, e.g. `redis://127.0.0.1:6379/11`), or
 * null when it is not set. Start-up does not wait for an unreachable Redis longer than 2 s; commands
 * fail fast while it is unreachable (no offline queue) so
 * callers fall back at once instead of holding requests; the client reconnects by itself.
 */
export async function connectSharedRedis(url: string | null, logger?: Logger): Promise<SharedRedis | null> {
  if (!url) return null;
  const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 2000 } });
  let reported = false;
  client.on('error', (e: Error) => {
    // The URL may carry a password: only the error class is logged.
    if (!reported) logger?.warn({ err_name: e?.name }, 'redis (REDIS_URL) unreachable; rate limits fall back to this instance, API keys to the database');
    reported = true;
  });
  client.on('ready', () => {
    reported = false;
  });
  // connect() waits for as long as Redis is down (the client keeps retrying): start without it
  // after a short wait and use it once it is ready; until then every instance counts on its own.
  const connected = client.connect().then(() => true, () => false);
  await Promise.race([connected, new Promise((r) => setTimeout(r, 2000).unref())]);
  return client;
}

/** Closes the client: QUIT when connected, else drops the reconnect loop (QUIT would wait for Redis). */
export async function closeSharedRedis(client: SharedRedis): Promise<void> {
  try {
    if (client.isReady) await client.quit();
    else client.destroy();
  } catch {
    /* already closed */
  }
}
