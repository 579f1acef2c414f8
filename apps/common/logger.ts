import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs. Personal fields are redacted wherever they appear, and request logs carry
 * the route pattern (`/consent/:user_id`), never the raw URL or query string.
 */
export const REDACT_PATHS = [
  'user_id', '*.user_id', '*.*.user_id',
  'email', '*.email', '*.*.email',
  '*.name', '*.*.name',
  'ip', '*.ip', 'ip_address', '*.ip_address', '*.*.ip_address',
  'user_agent', '*.user_agent', '*.*.user_agent',
  'consent_string', '*.consent_string',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'secret', '*.secret', 'key', '*.key',
];

/** JSON lines to stdout, or to `destination` (tests capture them). */
export function createLogger(level = 'info', name = 'privacy-ledger', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
