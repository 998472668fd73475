import { isCachetError } from '../../src/errors.ts';

/** The demo stack's own failures; the gateway's error table does not know them. */
export type DemoErrorCode =
  /** A demo port is invalid or already in use (every problem listed, nothing started). */
  | 'CACHET_ERR_DEMO_PORT'
  /** A demo process did not start; the message carries its last output. */
  | 'CACHET_ERR_DEMO_START'
  /** `--redis` without a `redis-server` to start, or a `--redis-url` nothing answers at. */
  | 'CACHET_ERR_DEMO_REDIS';

export class DemoError extends Error {
  readonly code: DemoErrorCode;

  constructor(code: DemoErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DemoError';
    this.code = code;
  }
}

/** The message to print for a start-up failure: ours and the gateway's are meant for people; others are shown whole. */
export function describeStartError(err: unknown): string {
  return err instanceof DemoError || isCachetError(err) ? err.message : String(err);
}
