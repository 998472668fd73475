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
