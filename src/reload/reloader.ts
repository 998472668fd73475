import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/types.ts';
import { ConfigError } from '../config/validate.ts';
import type { Logger } from '../observability/logger.ts';

/** How a reload ended: in force, or refused with every problem (the old config serves on). */
export type ReloadOutcome = { readonly reloaded: true } | { readonly reloaded: false; readonly problems: readonly string[] };

export interface ConfigReloaderDeps {
  /** Reads and validates the config again (the CLI: the file it started from). */
  readonly load: () => Promise<Config>;
  /** Puts a valid config in force, or refuses it (a field that needs a restart, a worker that failed). */
  readonly apply: (config: Config) => Promise<ReloadOutcome>;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

/** Re-reads the config on demand (SIGHUP, `POST /reload`); one reload at a time. */
export type ConfigReloader = () => Promise<ReloadOutcome>;

/**
 * Creates the reload entry point: each call reads the config, applies it, logs the outcome (a refusal lists every
 * problem, in the words `cachet check` uses) and counts it in `cachet_config_reloads_total{result="ok|refused"}`;
 * `cachet_config_last_reload_success_timestamp_seconds` starts at the first load. Calls made while one runs wait
 * their turn, so two reloads never build generations side by side.
 */
export function createConfigReloader(deps: ConfigReloaderDeps): ConfigReloader {
  const { logger } = deps;
  const reloads = new Counter({
    name: 'cachet_config_reloads_total',
    help: 'Config reloads (SIGHUP, POST /reload), by result: ok (in force) or refused (the old config serves on).',
    labelNames: ['result'],
    registers: [deps.registry],
  });
  reloads.inc({ result: 'ok' }, 0);
  reloads.inc({ result: 'refused' }, 0);
  const lastSuccess = new Gauge({
    name: 'cachet_config_last_reload_success_timestamp_seconds',
    help: 'When the config in force was loaded (start-up or the last successful reload), in seconds since the epoch.',
    registers: [deps.registry],
    aggregator: 'max',
  });
  lastSuccess.set(deps.now() / 1000);

  const run = async (): Promise<ReloadOutcome> => {
    let outcome: ReloadOutcome;
    // What `cachet check` prints for the same file: its summary names the file, then every problem.
    let explained: string | undefined;
    try {
      outcome = await deps.apply(await deps.load());
    } catch (err) {
      if (err instanceof ConfigError) explained = err.message;
      outcome = { reloaded: false, problems: err instanceof ConfigError ? err.issues : [err instanceof Error ? err.message : String(err)] };
    }
    if (outcome.reloaded) {
      reloads.inc({ result: 'ok' });
      lastSuccess.set(deps.now() / 1000);
      logger.info('config reloaded');
      return outcome;
    }
    reloads.inc({ result: 'refused' });
    explained ??= `${outcome.problems.length} problem(s):\n${outcome.problems.map((problem) => `  - ${problem}`).join('\n')}`;
    logger.error({ problems: outcome.problems }, `config reload refused, the previous config serves on: ${explained}`);
    return outcome;
  };

  let queue: Promise<unknown> = Promise.resolve();
  return () => {
    const turn = queue.then(run);
    queue = turn.catch(() => undefined);
    return turn;
  };
}
