import type { Config } from './types.ts';
import { CONFIG_DEFAULTS } from './schema.ts';
import { findOriginProblem } from './semantic.ts';
import { ConfigError, validateConfig } from './validate.ts';

/** What `cachet proxy` takes on its command line. */
export interface ProxyOptions {
  /** The origin to cache in front of, such as `http://127.0.0.1:3000`. */
  readonly to: string;
  readonly port?: number;
  readonly host?: string;
  /** Turns the admin API on; needs `adminToken`. */
  readonly adminPort?: number;
  /** Defaults to 127.0.0.1 whatever `host` is: the admin API stays local unless asked otherwise. */
  readonly adminHost?: string;
  readonly adminToken?: string;
  readonly logLevel?: Config['log']['level'];
  /** Processes serving the port (1 to 1024); more than one runs a supervisor. */
  readonly workers?: number;
}

/**
 * The zero-config shared caching reverse proxy: one upstream `origin` with the single target `to`, one
 * route `/*`, an in-memory store and every other default. Problems are named after the options
 * (`to`, `adminToken`), since that is what the caller wrote.
 *
 * @throws {ConfigError} `CACHET_ERR_CONFIG_INVALID` listing every bad option.
 * @example
 * const config = buildProxyConfig({ to: 'http://127.0.0.1:3000', port: 8080 });
 */
export function buildProxyConfig(options: ProxyOptions): Config {
  const issues = findProxyOptionProblems(options);
  if (issues.length > 0) throw new ConfigError('CACHET_ERR_CONFIG_INVALID', 'invalid proxy options', issues);
  const { to, port, host, adminPort, adminHost, adminToken, logLevel, workers } = options;
  return validateConfig({
    listen: { host: host ?? CONFIG_DEFAULTS.listen.host, port: port ?? CONFIG_DEFAULTS.listen.port },
    ...(adminPort === undefined ? {} : { admin: { host: adminHost ?? CONFIG_DEFAULTS.admin.host, port: adminPort, token: adminToken } }),
    store: { type: 'memory' },
    upstreams: { origin: { targets: [to] } },
    routes: [{ path: '/*', upstream: 'origin' }],
    ...(logLevel === undefined ? {} : { log: { level: logLevel } }),
    ...(workers === undefined ? {} : { workers }),
  });
}

function findProxyOptionProblems(options: ProxyOptions): string[] {
  const issues: string[] = [];
  const originProblem = typeof options.to === 'string' ? findOriginProblem(options.to) : 'is required';
  if (originProblem !== undefined)
    issues.push(`to: ${originProblem}, expected an http(s) origin such as http://127.0.0.1:3000 (got ${JSON.stringify(options.to)})`);
  for (const key of ['port', 'adminPort'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= 65_535))
      issues.push(`${key}: must be between 0 and 65535 (got ${value})`);
  }
  const { adminPort, adminToken, port } = options;
  const minLength = CONFIG_DEFAULTS.admin.minTokenLength;
  if (adminPort !== undefined && (adminToken === undefined || adminToken.length < minLength)) {
    issues.push(
      `adminToken: must be at least ${minLength} characters long when the admin API is on (got ${adminToken === undefined ? 'none' : `${adminToken.length}`})`,
    );
  }
  if (adminPort === undefined && adminToken !== undefined)
    issues.push('adminToken: is set but the admin port is not, expected both or neither');
  if (adminPort !== undefined && adminPort !== 0 && adminPort === (port ?? CONFIG_DEFAULTS.listen.port)) {
    issues.push(`adminPort: must differ from the listen port (both are ${adminPort})`);
  }
  return issues;
}
