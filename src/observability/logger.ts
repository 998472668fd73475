import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config/types.ts';

export type { Logger } from 'pino';

export type LogLevel = Config['log']['level'];

/**
 * A pino logger writing JSON lines to `destination` (stdout by default). `silent` turns every call into
 * a no-op, which is what tests and benchmarks use.
 *
 * @example
 * const logger = createLogger('info');
 * logger.info({ count: 3 }, 'purge');
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, name: 'cachet' };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** What one access-log line carries. `path` is the request path; its query is dropped when logged. */
export interface AccessLogFields {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** The matched route's configured path, when one matched. */
  readonly route?: string;
  readonly status: number;
  /** The cache outcome label (`hit`, `miss`, `stale`, ...). */
  readonly cache?: string;
  readonly durationMs: number;
}

/**
 * Whether access lines would be written. Callers check this before building `AccessLogFields`, so a
 * request costs nothing for access logging unless debug is on.
 */
export function isAccessLogEnabled(logger: Logger): boolean {
  return logger.isLevelEnabled('debug');
}

/**
 * Writes one access line at debug level. Access logs are off at the default `info` level: one log line
 * per request would cost more than a cache hit itself; counts and latencies come from the metrics.
 * The query string is dropped because it often carries credentials (`?api_key=`).
 */
export function logAccess(logger: Logger, fields: AccessLogFields): void {
  if (!logger.isLevelEnabled('debug')) return;
  const queryAt = fields.path.indexOf('?');
  const path = queryAt === -1 ? fields.path : fields.path.slice(0, queryAt);
  logger.debug({ ...fields, path }, 'access');
}
