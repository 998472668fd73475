import { createOptionReader } from './option-source.ts';
import { parseArgs } from 'node:util';
import { parseByteSize } from '../../src/config/units.ts';
import { DEFAULT_PORTS, parsePort, type PortPlan, type PortRole } from './ports.ts';
import { DEFAULT_DEFINITIONS_BYTES } from './stack.ts';

export interface StartOptions {
  readonly ports: PortPlan;
  readonly definitionsBytes: number;
  readonly adminToken: string | undefined;
  /** `--redis`: a private redis-server; `--redis-url`: that Redis; undefined: one instance on the memory store. */
  readonly redis: 'private' | { readonly url: string } | undefined;
}

export type StartOptionsResult =
  | { readonly kind: 'ok'; readonly options: StartOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly problems: readonly string[] };

export const START_USAGE = `usage: npm start [-- options]      (node examples/demo/start.ts [options])
  --port N                cachet                        (env CACHET_PORT, default 8080)
  --admin-port N          cachet admin API              (env CACHET_ADMIN_PORT, default 9901)
  --issuer-port N         token issuer                  (env ISSUER_PORT, default 3000)
  --origin-ports A,B,C    the three origin instances    (env ORIGIN_PORTS, default 3001,3002,3003)
  --definitions-bytes S   virus definitions size        (env DEFINITIONS_BYTES, default 50MiB; 512KiB, 10MB, ...)
  Port 0 picks a free port. CACHET_ADMIN_TOKEN (16+ characters) sets the admin token, else one is generated.

Scale-out: two cachet instances sharing one Redis (stored responses, purges, revocations)
  --redis                 start a private redis-server (needs it on PATH: apt-get install redis-server,
                          brew install redis), no persistence, stopped with the demo
  --redis-url URL         use a Redis already running instead (redis://host:port or rediss://...)
  --redis-port N          the private redis-server       (env REDIS_PORT, default 0: a free port)
  --port-2 N              the second cachet instance      (env CACHET_PORT_2, default 8081)
  --admin-port-2 N        its admin API                   (env CACHET_ADMIN_PORT_2, default 9902)`;

const ORIGIN_ROLES: readonly PortRole[] = ['origin-1', 'origin-2', 'origin-3'];

/**
 * Reads `npm start` options from flags, then the environment, then defaults. Every problem is
 * reported at once, as one line each.
 */
export function parseStartOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): StartOptionsResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        'admin-port': { type: 'string' },
        'issuer-port': { type: 'string' },
        'origin-ports': { type: 'string' },
        'definitions-bytes': { type: 'string' },
        redis: { type: 'boolean' },
        'redis-url': { type: 'string' },
        'redis-port': { type: 'string' },
        'port-2': { type: 'string' },
        'admin-port-2': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return { kind: 'error', problems: [(err as Error).message] };
  }
  if (values['help'] === true) return { kind: 'help' };
  const pick = createOptionReader(values, env);

  const problems: string[] = [];
  const ports: Record<PortRole, number> = { ...DEFAULT_PORTS };
  const readPort = (role: PortRole, flag: string, envName: string): void => {
    const given = pick(flag, envName);
    if (given === undefined) return;
    const parsed = parsePort(given.text);
    if (parsed.ok) ports[role] = parsed.port;
    else problems.push(`${given.source}: ${parsed.reason}`);
  };
  readPort('cachet', 'port', 'CACHET_PORT');
  readPort('admin', 'admin-port', 'CACHET_ADMIN_PORT');
  readPort('issuer', 'issuer-port', 'ISSUER_PORT');
  readPort('cachet-2', 'port-2', 'CACHET_PORT_2');
  readPort('admin-2', 'admin-port-2', 'CACHET_ADMIN_PORT_2');
  readPort('redis', 'redis-port', 'REDIS_PORT');
  const originPorts = pick('origin-ports', 'ORIGIN_PORTS');
  if (originPorts !== undefined) {
    const parts = originPorts.text.split(',');
    if (parts.length !== ORIGIN_ROLES.length) {
      problems.push(
        `${originPorts.source}: expected three comma-separated ports such as 3001,3002,3003 (got ${JSON.stringify(originPorts.text)})`,
      );
    } else {
      parts.forEach((part, index) => {
        const parsed = parsePort(part);
        const role = ORIGIN_ROLES[index] as PortRole;
        if (parsed.ok) ports[role] = parsed.port;
        else problems.push(`${originPorts.source} (${role}): ${parsed.reason}`);
      });
    }
  }

  let definitionsBytes = DEFAULT_DEFINITIONS_BYTES;
  const size = pick('definitions-bytes', 'DEFINITIONS_BYTES');
  if (size !== undefined) {
    const bytes = parseByteSize(size.text);
    if (bytes === undefined || bytes < 1 || bytes > 1024 * 1024 * 1024) {
      problems.push(`${size.source}: expected a size from 1 byte to 1GiB such as 50MiB or 524288 (got ${JSON.stringify(size.text)})`);
    } else {
      definitionsBytes = bytes;
    }
  }

  const redis = readRedisChoice(values, problems);

  const adminToken = env['CACHET_ADMIN_TOKEN'];
  if (adminToken !== undefined && adminToken !== '' && adminToken.length < 16) {
    problems.push('CACHET_ADMIN_TOKEN: must be at least 16 characters (unset it to have one generated)');
  }
  if (problems.length > 0) return { kind: 'error', problems };
  return { kind: 'ok', options: { ports, definitionsBytes, adminToken: adminToken === '' ? undefined : adminToken, redis } };
}

/** Flags that only mean something when two instances share a Redis. */
const SCALE_OUT_FLAGS = ['redis-port', 'port-2', 'admin-port-2'] as const;

function readRedisChoice(values: Readonly<Record<string, string | boolean | undefined>>, problems: string[]): StartOptions['redis'] {
  const url = values['redis-url'];
  if (typeof url === 'string') {
    if (values['redis-port'] !== undefined) problems.push('--redis-port: not used with --redis-url (no redis-server is started)');
    if (!isRedisUrl(url)) problems.push(`--redis-url: expected redis://host:port or rediss://host:port (got ${JSON.stringify(url)})`);
    return { url };
  }
  if (values['redis'] === true) return 'private';
  for (const flag of SCALE_OUT_FLAGS) {
    if (values[flag] !== undefined) problems.push(`--${flag}: only used with --redis or --redis-url`);
  }
  return undefined;
}

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}
