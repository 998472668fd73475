import type { Config } from '../config/types.ts';
import { loadConfigFile } from '../config/load.ts';
import { buildProxyConfig, type ProxyOptions } from '../config/proxy-config.ts';
import { ConfigError } from '../config/validate.ts';
import { LOG_LEVELS } from '../config/schema.ts';
import { formatByteSize } from '../config/units.ts';
import { MAX_WORKERS, parseWorkerCount } from '../config/workers.ts';
import { parseArgs, parsePort, type CommandName } from './args.ts';
import { formatCommandHelp, formatGeneralHelp, readVersion } from './help.ts';
import { describeError, type CliIo } from './io.ts';
import { serveGateway, type ServeDeps } from './serve.ts';

export type { CliIo } from './io.ts';
export type { ServeDeps, ServedGateway, SignalTarget } from './serve.ts';

/** Exit statuses: 0 success, 1 failure (bad config, cannot listen), 2 usage error. */
const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/**
 * Runs the `cachet` command line and answers its exit status. `run` and `proxy` resolve only after a
 * shutdown signal has drained the gateway; `deps` replaces the process signals and the gateway in tests.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function runCli(argv: readonly string[], io: CliIo, deps: ServeDeps = {}): Promise<number> {
  const parsed = parseArgs(argv);
  switch (parsed.kind) {
    case 'usage-error':
      return reportUsageError(io, parsed.message, parsed.command);
    case 'help':
      io.stdout.write(parsed.command === undefined ? formatGeneralHelp() : formatCommandHelp(parsed.command));
      return EXIT_OK;
    case 'version':
      io.stdout.write(`${readVersion()}\n`);
      return EXIT_OK;
    case 'command':
      break;
  }
  const { command, options } = parsed;
  try {
    if (command === 'check') {
      const path = options['config'] ?? '';
      const config = await loadConfigFile(path, io.env);
      io.stdout.write(summarizeConfig(path, config));
      return EXIT_OK;
    }
    if (command === 'run') {
      const workers = options['workers'] === undefined ? undefined : readWorkers(options['workers']);
      if (typeof workers === 'string') return reportUsageError(io, workers, 'run');
      // Read again on SIGHUP and POST /reload, with the same --workers override.
      const loadConfig = async (): Promise<Config> => {
        const config = await loadConfigFile(options['config'] ?? '', io.env);
        return workers === undefined ? config : Object.freeze({ ...config, workers });
      };
      return await serveGateway(await loadConfig(), io, deps, loadConfig);
    }
    const proxy = readProxyOptions(options, io);
    if (typeof proxy === 'string') return reportUsageError(io, proxy, 'proxy');
    return await serveGateway(proxy, io, deps);
  } catch (err) {
    io.stderr.write(`cachet: ${describeError(err)}\n`);
    return EXIT_FAILURE;
  }
}

function reportUsageError(io: CliIo, message: string, command: CommandName | undefined): number {
  const lines = message
    .split('\n')
    .map((line) => `cachet: ${line}\n`)
    .join('');
  io.stderr.write(`${lines}Run 'cachet help${command === undefined ? '' : ` ${command}`}' for usage.\n`);
  return EXIT_USAGE;
}

const PROXY_FLAGS: Readonly<Record<string, string>> = {
  to: '--to',
  port: '--port',
  host: '--host',
  adminPort: '--admin-port',
  adminHost: '--admin-host',
  adminToken: '--admin-token',
  'listen.host': '--host',
  'admin.host': '--admin-host',
  workers: '--workers',
};

/** The `proxy` options as a config, or a usage message naming the flags at fault. */
function readProxyOptions(options: Readonly<Record<string, string>>, io: CliIo): Config | string {
  const problems: string[] = [];
  const readPort = (name: string): number | undefined => {
    const text = options[name];
    if (text === undefined) return undefined;
    const port = parsePort(text);
    if (port === undefined) problems.push(`--${name}: must be a port number between 0 and 65535 (got ${JSON.stringify(text)})`);
    return port;
  };
  const port = readPort('port');
  const adminPort = readPort('admin-port');
  const logLevel = options['log-level'];
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`--log-level: must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(logLevel)})`);
  }
  const workers = options['workers'] === undefined ? undefined : readWorkers(options['workers']);
  if (typeof workers === 'string') problems.push(workers);
  if (problems.length > 0) return problems.join('\n');

  const adminToken = options['admin-token'] ?? (adminPort === undefined ? undefined : io.env['CACHET_ADMIN_TOKEN']);
  const proxy: ProxyOptions = {
    to: options['to'] ?? '',
    ...(port === undefined ? {} : { port }),
    ...(options['host'] === undefined ? {} : { host: options['host'] }),
    ...(adminPort === undefined ? {} : { adminPort }),
    ...(options['admin-host'] === undefined ? {} : { adminHost: options['admin-host'] }),
    ...(adminToken === undefined ? {} : { adminToken }),
    ...(logLevel === undefined ? {} : { logLevel: logLevel as Config['log']['level'] }),
    ...(typeof workers === 'number' ? { workers } : {}),
  };
  try {
    return buildProxyConfig(proxy);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues
      .map((issue) => {
        const key = issue.slice(0, issue.indexOf(':'));
        const flag = PROXY_FLAGS[key];
        return flag === undefined ? issue : `${flag}${issue.slice(key.length)}`;
      })
      .join('\n');
  }
}

/** `--workers`: a worker count, or a usage message. */
function readWorkers(text: string): number | string {
  const workers = parseWorkerCount(text);
  if (workers !== undefined && workers >= 1 && workers <= MAX_WORKERS) return workers;
  return `--workers: must be auto or a whole number between 1 and ${MAX_WORKERS} (got ${JSON.stringify(text)})`;
}

/** The `cachet check` report: what the gateway would do with this file. */
function summarizeConfig(path: string, config: Config): string {
  const store =
    config.store.type === 'memory'
      ? `memory, ${formatByteSize(config.store.maxBytes)} (objects up to ${formatByteSize(config.store.maxObjectBytes)})`
      : `redis ${config.store.url === undefined ? `cluster ${(config.store.cluster ?? []).map(redactPassword).join(', ')}` : redactPassword(config.store.url)}, memory tier ${formatByteSize(config.store.memory.maxBytes)} (objects up to ${formatByteSize(config.store.maxObjectBytes)})`;
  const upstreams = Object.values(config.upstreams).map((u) => {
    const health =
      u.healthCheck === undefined ? 'no active health check' : `health check ${u.healthCheck.path} every ${u.healthCheck.intervalMs} ms`;
    return `    ${u.name}: ${u.targets.join(', ')} (${u.balancer}, ${health})`;
  });
  const routes = config.routes.map(
    (r) =>
      `    ${r.methods === undefined ? '*' : r.methods.join(',')} ${r.path} -> ${r.upstream}${r.cache && config.cache.enabled ? '' : ' (not cached)'}`,
  );
  return [
    `config OK: ${path}`,
    `  listen  ${formatAddress(config.listen)}${config.listen.tls === undefined ? '' : formatTls(config.listen)}`,
    `  admin   ${config.admin === undefined ? 'off' : `${formatAddress(config.admin)} (token set)`}`,
    `  workers ${config.workers === 1 ? '1 (one process)' : `${config.workers} processes on one port, under a supervisor`}`,
    `  store   ${store}`,
    `  cache   ${config.cache.enabled ? `on, name ${config.cache.name}, targeted field ${config.cache.targetedField}` : 'off'}`,
    `  upstreams (${upstreams.length}):`,
    ...upstreams,
    `  routes (${routes.length}, first match wins):`,
    ...routes,
    '',
  ].join('\n');
}

function formatAddress({ host, port, tls }: { host: string; port: number; tls?: unknown }): string {
  return `${tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function formatTls(listen: Config['listen']): string {
  const tls = listen.tls;
  if (tls === undefined) return '';
  const tickets = tls.ticketKeys === undefined ? 'session tickets per process' : 'shared session-ticket keys';
  return ` (${tls.minVersion} or later, ${listen.http2 ? 'HTTP/2 and HTTP/1.1' : 'HTTP/1.1'}, ${tickets})`;
}

function redactPassword(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.href;
}
