/** Injection tokens of the API's composition root. */
export const INFRA = Symbol('INFRA');
export const API_KEYS = Symbol('API_KEYS');
export const METRICS = Symbol('METRICS');
export const LOGGER = Symbol('LOGGER');
export const WORKER_STATUS = Symbol('WORKER_STATUS');
/** The catalog query port (`CatalogQueries`, libs/application/src/catalog) that rights, breach and consent ask. */
export const CATALOG = Symbol('CATALOG');
/** The `RateLimiter` (rate-limit/rate-limiter.ts): Redis-backed when REDIS_URL is set. */
export const RATE_LIMITER = Symbol('RATE_LIMITER');
/** The console's `SessionStore` (auth/sessions.ts): Redis-backed when REDIS_URL is set. */
export const SESSIONS = Symbol('SESSIONS');
