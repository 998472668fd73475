import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DemoError } from './errors.ts';
import { ADMIN_TOKEN_ENV, renderCachetConfig, sizeStoreFor, type DemoGatewayPlan } from './cachet-config.ts';
import { spawnChild, type ChildExit, type ChildSpec, type DemoProcess } from './children.ts';
import { DEFAULT_PORTS, resolvePorts, rolesOf, type PortPlan, type PortRole } from './ports.ts';
import { checkRedisReachable, createRedisSpec, findRedisServer, REDIS_SERVER_MISSING } from './redis-server.ts';

/** 50 MiB, the size the architecture's claim is about ("a 304 replaces a 50 MB download"). */
export const DEFAULT_DEFINITIONS_BYTES = 50 * 1024 * 1024;

export interface DemoStackOptions {
  /** Interface every process listens on (default 127.0.0.1). */
  readonly host?: string;
  /** Ports by role; 0 asks the OS for a free one. Unset roles take `DEFAULT_PORTS`. */
  readonly ports?: Partial<PortPlan>;
  /** Size of the generated virus definitions (default 50 MiB). */
  readonly definitionsBytes?: number;
  /** Admin token shared by cachet and the origins (default: 32 random bytes, hex). */
  readonly adminToken?: string;
  /** cachet's log level (default `warn`: the demo's terminal is for the tour). */
  readonly logLevel?: DemoGatewayPlan['logLevel'];
  /** Lines the children write on stderr once they run (warnings, errors). */
  readonly onOutput?: (name: string, line: string) => void;
  /** A child that exits while the stack is up (not during `stop()`). */
  readonly onUnexpectedExit?: (name: string, exit: ChildExit) => void;
  /** How long each child may take to print its `listening` line (default 20 s). */
  readonly readyTimeoutMs?: number;
  /**
   * Scale-out: two cachet instances sharing one Redis, `'private'` to start a `redis-server` of our own
   * (it must be on PATH), or the URL of a Redis already running. Default: one instance, memory store.
   */
  readonly redis?: 'private' | { readonly url: string };
}

/** One cachet instance: its proxy and its admin API. */
export interface DemoInstance {
  /** `cachet` alone; `cachet-1` and `cachet-2` when they share Redis. */
  readonly name: string;
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  readonly configPath: string;
}

/** A running demo stack: issuer, three origin instances and cachet (and Redis), each its own process. */
export interface DemoStack {
  /** cachet (the first instance), where clients go: `http://127.0.0.1:8080`. */
  readonly gatewayUrl: string;
  /** cachet's admin API (purge, metrics); the origins send their purges here. */
  readonly adminUrl: string;
  /** Every cachet instance, the one above first. */
  readonly instances: readonly DemoInstance[];
  /** The Redis the instances share, or undefined on the memory store. */
  readonly redisUrl: string | undefined;
  readonly adminToken: string;
  /** The token issuer, reached directly (cachet also routes `/auth/*` and `/.well-known/*` to it). */
  readonly issuerUrl: string;
  readonly originUrls: readonly string[];
  readonly definitionsBytes: number;
  /** The temporary directory with the shared SQLite file and cachet's generated config. */
  readonly dataDir: string;
  readonly dbPath: string;
  /** The first instance's config. */
  readonly configPath: string;
  /** Every process, in start order: redis (when private), issuer, origin-1..3, cachet (or cachet-1, cachet-2). */
  readonly processes: readonly DemoProcess[];
  /** The origin instance processes, `origin-1` first. */
  readonly origins: readonly DemoProcess[];
  /** Stops cachet first (it drains clients), then the origins, the issuer and Redis; removes `dataDir`. Idempotent. */
  stop(): Promise<void>;
}

const ISSUER_SCRIPT = new URL('../threat-intel/issuer.ts', import.meta.url).pathname;
const ORIGIN_SCRIPT = new URL('../threat-intel/server.ts', import.meta.url).pathname;
const CACHET_SCRIPT = new URL('../../bin/cachet.js', import.meta.url).pathname;
/** Room for a few versions of the definitions per instance; past it Redis evicts what expires soonest. */
const REDIS_MEMORY_FACTOR = 2;

/**
 * Starts the whole demo architecture as child processes (stateless instances for real): the issuer,
 * three origin instances sharing one SQLite file, and cachet with the embedded memory store in front;
 * with `redis`, two cachet instances sharing one Redis instead (a private `redis-server` started first).
 * Ports are checked (and zeros resolved to free ports) before anything is spawned; a bad or busy port
 * throws `CACHET_ERR_DEMO_PORT` listing every problem, a missing `redis-server` or an unreachable Redis
 * URL `CACHET_ERR_DEMO_REDIS`, a child that fails to start `CACHET_ERR_DEMO_START` with its last output,
 * after stopping whatever had started.
 *
 * @example
 * const stack = await startDemoStack({ ports: { cachet: 0, admin: 0, issuer: 0, 'origin-1': 0, 'origin-2': 0, 'origin-3': 0 } });
 * const res = await fetch(`${stack.gatewayUrl}/health`);
 * await stack.stop();
 */
export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const host = options.host ?? '127.0.0.1';
  const definitionsBytes = options.definitionsBytes ?? DEFAULT_DEFINITIONS_BYTES;
  const adminToken = options.adminToken ?? randomBytes(32).toString('hex');
  const redis = options.redis;
  const redisServer = redis === 'private' ? findRedisServer() : undefined;
  if (redis === 'private' && redisServer === undefined) throw new DemoError('CACHET_ERR_DEMO_REDIS', REDIS_SERVER_MISSING);
  const wanted = { ...DEFAULT_PORTS, ...options.ports };
  const roles = rolesOf(redis !== undefined).filter((role) => role !== 'redis' || redis === 'private');
  const resolved = await resolvePorts(host, Object.fromEntries(roles.map((role) => [role, wanted[role]])) as Record<PortRole, number>);
  if (!resolved.ok) throw new DemoError('CACHET_ERR_DEMO_PORT', resolved.problems.join('\n'));
  const ports = resolved.ports;
  if (typeof redis === 'object') await checkRedisReachable(redis.url);

  const dataDir = await mkdtemp(join(tmpdir(), 'cachet-demo-'));
  const dbPath = join(dataDir, 'threat-intel.sqlite');
  const urlOf = (port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const issuerUrl = urlOf(ports.issuer);
  const originUrls = [ports['origin-1'], ports['origin-2'], ports['origin-3']].map(urlOf);
  const redisSpec =
    redisServer === undefined
      ? undefined
      : createRedisSpec({
          binary: redisServer,
          host,
          port: ports.redis,
          dir: dataDir,
          maxMemoryBytes: REDIS_MEMORY_FACTOR * sizeStoreFor(definitionsBytes).maxBytes,
        });
  const redisUrl = typeof redis === 'object' ? redis.url : redisSpec?.url;
  const instancePorts: readonly (readonly [number, number])[] =
    redis === undefined
      ? [[ports.cachet, ports.admin]]
      : [
          [ports.cachet, ports.admin],
          [ports['cachet-2'], ports['admin-2']],
        ];
  const instances = await Promise.all(
    instancePorts.map(async ([port, adminPort], index): Promise<DemoInstance> => {
      const name = redis === undefined ? 'cachet' : `cachet-${index + 1}`;
      const configPath = join(dataDir, `${name}.yaml`);
      const plan: DemoGatewayPlan = {
        host,
        port,
        adminPort,
        issuerUrl,
        originUrls,
        definitionsBytes,
        logLevel: options.logLevel ?? 'warn',
        ...(redisUrl === undefined ? {} : { redisUrl }),
      };
      await writeFile(configPath, renderCachetConfig(plan));
      return { name, gatewayUrl: urlOf(port), adminUrl: urlOf(adminPort), configPath };
    }),
  );
  const first = instances[0]!;
  const adminUrl = first.adminUrl;

  const started: DemoProcess[] = [];
  let isStopping = false;
  const stopAll = async (): Promise<void> => {
    isStopping = true;
    // Reverse start order: the gateway drains its clients before the origins behind it go away.
    for (const child of [...started].reverse()) await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  const launch = async (spec: ChildSpec): Promise<DemoProcess> => {
    const child = await spawnChild({ readyTimeoutMs: options.readyTimeoutMs, ...spec }, { onOutput: options.onOutput });
    started.push(child);
    void child.exited.then((exit) => {
      if (!isStopping) options.onUnexpectedExit?.(child.name, exit);
    });
    return child;
  };

  let stopping: Promise<void> | undefined;
  try {
    // Redis first, so it is stopped last: the gateways keep sharing while they drain.
    if (redisSpec !== undefined) await launch(redisSpec);
    // The issuer creates the schema and seeds the database before the origins open it.
    await launch(createIssuerSpec(host, ports.issuer, dbPath, issuerUrl));
    const originPorts = [ports['origin-1'], ports['origin-2'], ports['origin-3']];
    const origins = await Promise.all(
      originPorts.map((port, index) =>
        launch(
          createOriginSpec({
            host,
            port,
            dbPath,
            index,
            definitionsBytes,
            adminUrl,
            adminToken,
          }),
        ),
      ),
    );
    const gateways = await Promise.all(
      instances.map((instance) =>
        launch({
          name: instance.name,
          script: CACHET_SCRIPT,
          args: ['run', '--config', instance.configPath],
          env: { [ADMIN_TOKEN_ENV]: adminToken },
        }),
      ),
    );
    return {
      gatewayUrl: gateways[0]!.url,
      adminUrl,
      instances: instances.map((instance, index) => ({ ...instance, gatewayUrl: gateways[index]!.url })),
      redisUrl,
      adminToken,
      issuerUrl,
      originUrls,
      definitionsBytes,
      dataDir,
      dbPath,
      configPath: first.configPath,
      processes: started,
      origins,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function createIssuerSpec(host: string, port: number, dbPath: string, issuerUrl: string): ChildSpec {
  return {
    name: 'issuer',
    script: ISSUER_SCRIPT,
    args: ['--host', host, '--port', String(port), '--db', dbPath, '--issuer', issuerUrl],
  };
}

interface OriginPlan {
  readonly host: string;
  readonly port: number;
  readonly dbPath: string;
  readonly index: number;
  readonly definitionsBytes: number;
  readonly adminUrl: string;
  readonly adminToken: string;
}

function createOriginSpec(plan: OriginPlan): ChildSpec {
  const name = `origin-${plan.index + 1}`;
  return {
    name,
    script: ORIGIN_SCRIPT,
    args: ['--host', plan.host, '--port', String(plan.port), '--db', plan.dbPath, '--instance', name, '--cachet-admin-url', plan.adminUrl],
    // Secrets travel in the environment, out of `ps`.
    env: { DEFINITIONS_BYTES: String(plan.definitionsBytes), CACHET_ADMIN_TOKEN: plan.adminToken },
  };
}
