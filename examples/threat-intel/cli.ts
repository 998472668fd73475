import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What a started example service hands back to its CLI wrapper. */
export interface Closable {
  readonly url: string;
  close(): Promise<void>;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

/**
 * Runs an example service as a command: parses flags, starts it, prints one
 * `<name> listening on <url>` line, and closes it on SIGTERM/SIGINT (exit 0).
 * Usage mistakes exit 2 and start-up failures (a busy port) exit 1, each with a one-line message.
 */
export async function runCli(name: string, usage: string, options: Options, start: (values: Values) => Promise<Closable>): Promise<void> {
  let values: Values;
  try {
    values = parseArgs({ options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false }).values as Values;
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (values['help'] === true) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  let service: Closable;
  try {
    service = await start(values);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const exitCode = err instanceof UsageError ? 2 : 1;
    const message = code === 'EADDRINUSE' ? `port already in use (${(err as Error).message})` : (err as Error).message;
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(exitCode);
  }
  process.stdout.write(`${name} listening on ${service.url}\n`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${name}: close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** A bad flag value; the CLI reports it and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses a TCP port flag (0 picks a free port). */
export function parsePortFlag(value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

/** Parses a positive whole-number flag or environment value. */
export function parsePositiveIntegerFlag(flag: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Returns a string flag, else the environment variable, else `undefined`. */
export function readStringFlag(value: string | boolean | undefined, envName: string): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  const fromEnv = process.env[envName];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};

/** Parses a size flag or environment value: bytes (`1048576`) or with a unit (`512KiB`, `50MiB`, `10MB`). */
export function parseSizeFlag(flag: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const match = typeof value === 'string' ? /^(\d+)\s*([A-Za-z]*)$/.exec(value.trim()) : null;
  const unit = match === null ? undefined : SIZE_UNITS[match[2]!];
  if (match === null || unit === undefined)
    throw new UsageError(`${flag} must be a size such as 1048576, 512KiB or 50MiB, got ${JSON.stringify(value)}`);
  const bytes = Number(match[1]) * unit;
  if (!Number.isSafeInteger(bytes) || bytes > 2 ** 31) throw new UsageError(`${flag} must be at most 2GiB, got ${JSON.stringify(value)}`);
  return bytes;
}
