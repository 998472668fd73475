import type { Env } from '../config/interpolate.ts';

/** Where the CLI reads and writes, so `runCli` runs in-process in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Read for `${NAME}` in config files and `CACHET_ADMIN_TOKEN`. */
  readonly env: Env;
}

/** One readable line (or block, for config issues) for an error, without a stack. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
