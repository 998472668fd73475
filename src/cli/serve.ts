import type { Config } from '../config/types.ts';
import type { ReloadOutcome } from '../reload/reloader.ts';
import type { CliIo } from './io.ts';
import { describeError } from './io.ts';
import type { DestinationStream } from 'pino';

type ShutdownSignal = 'SIGINT' | 'SIGTERM';
const SHUTDOWN_SIGNALS: readonly ShutdownSignal[] = ['SIGINT', 'SIGTERM'];
/** 128 + signal number, what a shell reports for a process a signal ended. */
const SIGNAL_EXIT_CODES: Readonly<Record<ShutdownSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** The part of `process` serving needs: signals and a hard exit (a fake in tests). */
export interface SignalTarget {
  on(event: ShutdownSignal | 'SIGHUP', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: ShutdownSignal | 'SIGHUP', listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/** The part of a gateway the CLI drives (see `src/gateway.ts`, and `src/cluster/supervisor.ts` for `workers` > 1). */
export interface ServedGateway {
  listen(): Promise<{ url: string; adminUrl: string | undefined }>;
  close(): Promise<void>;
  /** Settles when the gateway cannot go on (a supervisor whose workers keep failing to start): it is closed, exit 1. */
  readonly failed?: Promise<Error>;
  /** Reads the config again and puts it in force (SIGHUP); see `Gateway.reload`. */
  reload?(): Promise<ReloadOutcome>;
}

/** What the gateway is created with besides its config. */
export interface ServeOptions {
  readonly processMetrics: boolean;
  /** Reads and validates the config file again, for reloads; absent when there is no file (`cachet proxy`). */
  readonly loadConfig?: () => Promise<Config>;
}

/** What serving runs against; tests pass fakes, the CLI the real process and gateway. */
export interface ServeDeps {
  readonly signals?: SignalTarget;
  readonly createGateway?: (config: Config, options: ServeOptions) => Promise<ServedGateway>;
}

/**
 * Starts a gateway (with `workers` > 1, a supervisor and its workers), prints the `listening` line once it
 * accepts connections, and on SIGTERM/SIGINT drains it (`gateway.close()`) and answers exit code 0. A second
 * signal during the drain exits at once. SIGHUP reloads the config file (`loadConfig`) and never ends the
 * process. Start-up failures (a port in use) are one line on stderr and exit code 1.
 */
export async function serveGateway(config: Config, io: CliIo, deps: ServeDeps = {}, loadConfig?: () => Promise<Config>): Promise<number> {
  const signals = deps.signals ?? process;
  // Listening from the start: SIGHUP's default action would end the process.
  let gateway: ServedGateway | undefined;
  const onHangUp = (): void => {
    reloadOnSignal(gateway, loadConfig, io).catch((err: unknown) => io.stderr.write(`cachet: SIGHUP: ${describeError(err)}\n`));
  };
  signals.on('SIGHUP', onHangUp);
  try {
    return await serve(config, io, deps, signals, loadConfig, (started) => {
      gateway = started;
    });
  } finally {
    signals.off('SIGHUP', onHangUp);
  }
}

async function serve(
  config: Config,
  io: CliIo,
  deps: ServeDeps,
  signals: SignalTarget,
  loadConfig: (() => Promise<Config>) | undefined,
  onListening: (gateway: ServedGateway) => void,
): Promise<number> {
  const createGateway = deps.createGateway ?? (await loadGatewayFactory(config));
  let gateway: ServedGateway;
  try {
    gateway = await createGateway(config, { processMetrics: true, ...(loadConfig === undefined ? {} : { loadConfig }) });
  } catch (err) {
    io.stderr.write(`cachet: cannot start: ${describeError(err)}\n`);
    return 1;
  }

  const received = waitForSignal(signals);
  try {
    const { url, adminUrl } = await gateway.listen();
    await announceListening(config, io, url, adminUrl);
    onListening(gateway);
  } catch (err) {
    received.dispose();
    io.stderr.write(`cachet: ${describeError(err)}\n`);
    await gateway.close().catch(() => undefined);
    return 1;
  }

  const signal = await Promise.race([received.first, gateway.failed ?? new Promise<never>(() => undefined)]);
  if (signal instanceof Error) {
    received.dispose();
    io.stderr.write(`cachet: ${describeError(signal)}; stopping\n`);
    await gateway.close().catch(() => undefined);
    return 1;
  }
  io.stderr.write(`cachet: ${signal}: draining for up to ${config.shutdown.drainTimeoutMs} ms; send it again to exit now\n`);
  const onSecond = (second: NodeJS.Signals): void => {
    io.stderr.write(`cachet: ${second} again: exiting without draining\n`);
    signals.exit(SIGNAL_EXIT_CODES[second as ShutdownSignal] ?? 1);
  };
  for (const name of SHUTDOWN_SIGNALS) signals.on(name, onSecond);
  try {
    await gateway.close();
  } catch (err) {
    io.stderr.write(`cachet: error while closing: ${describeError(err)}\n`);
    return 1;
  } finally {
    for (const name of SHUTDOWN_SIGNALS) signals.off(name, onSecond);
  }
  io.stderr.write('cachet: stopped\n');
  return 0;
}

/** SIGHUP: reload the config file; the outcome is one line on stderr (the gateway's log lists every problem). */
async function reloadOnSignal(
  gateway: ServedGateway | undefined,
  loadConfig: (() => Promise<Config>) | undefined,
  io: CliIo,
): Promise<void> {
  if (loadConfig === undefined || gateway?.reload === undefined) {
    io.stderr.write(
      loadConfig === undefined
        ? 'cachet: SIGHUP: no config file, nothing to reload\n'
        : 'cachet: SIGHUP: not serving yet, nothing reloaded\n',
    );
    return;
  }
  const outcome = await gateway.reload();
  if (outcome.reloaded) io.stderr.write('cachet: SIGHUP: config reloaded\n');
  else {
    const problems = outcome.problems.map((problem) => `  - ${problem}\n`).join('');
    io.stderr.write(
      `cachet: SIGHUP: config reload refused, the previous config serves on (${outcome.problems.length} problem(s)):\n${problems}`,
    );
  }
}

/**
 * The `listening` line. With access logs on, stdout is a stream of JSON lines a collector parses, so the line is
 * JSON too (`msg: "listening"`, `url`, `adminUrl`); otherwise it is the readable `cachet listening on <url>`.
 */
async function announceListening(config: Config, io: CliIo, url: string, adminUrl: string | undefined): Promise<void> {
  if (config.log.access === true) {
    const fields = adminUrl === undefined ? { url } : { url, adminUrl };
    // Loaded only here, so `cachet check` and `--help` stay free of pino.
    const { createLogger } = await import('../observability/logger.ts');
    createLogger('info', io.stdout as DestinationStream).info(fields, 'listening');
    return;
  }
  io.stdout.write(`cachet listening on ${url}${adminUrl === undefined ? '' : ` (admin ${adminUrl})`}\n`);
}

/** Loaded here so `cachet check` and `--help` never load the proxy, the store or undici. */
async function loadGatewayFactory(config: Config): Promise<NonNullable<ServeDeps['createGateway']>> {
  if (config.workers === 1) return (await import('../gateway.ts')).createGateway;
  const { createSupervisor } = await import('../cluster/supervisor.ts');
  return async (supervised, options) => createSupervisor(supervised, options);
}

/** Listens for the first shutdown signal; listeners are removed once it arrives or on `dispose`. */
function waitForSignal(signals: SignalTarget): { first: Promise<NodeJS.Signals>; dispose(): void } {
  let listener: (signal: NodeJS.Signals) => void = () => undefined;
  const dispose = (): void => {
    for (const name of SHUTDOWN_SIGNALS) signals.off(name, listener);
  };
  const first = new Promise<NodeJS.Signals>((resolve) => {
    listener = (signal) => {
      dispose();
      resolve(signal);
    };
    for (const name of SHUTDOWN_SIGNALS) signals.on(name, listener);
  });
  return { first, dispose };
}
