import { createServer } from 'node:net';

/**
 * The listeners of the demo stack, in the order they are reported. `cachet-2`, `admin-2` and `redis` are
 * used only with `--redis` (the second instance and the shared Redis).
 */
export type PortRole = 'cachet' | 'admin' | 'issuer' | 'origin-1' | 'origin-2' | 'origin-3' | 'cachet-2' | 'admin-2' | 'redis';

/** The roles of the stack without Redis (one cachet instance on the memory store). */
export type MemoryStackRole = Exclude<PortRole, 'cachet-2' | 'admin-2' | 'redis'>;

export type PortPlan = Readonly<Record<PortRole, number>>;

export const DEFAULT_PORTS: PortPlan = Object.freeze({
  cachet: 8080,
  admin: 9901,
  issuer: 3000,
  'origin-1': 3001,
  'origin-2': 3002,
  'origin-3': 3003,
  'cachet-2': 8081,
  'admin-2': 9902,
  // A private redis-server on whatever port is free: nothing outside the demo needs to find it.
  redis: 0,
});

/** The roles a stack needs: the second instance and Redis only with `--redis`. */
export function rolesOf(isScaleOut: boolean): readonly PortRole[] {
  const roles: PortRole[] = ['cachet', 'admin', 'issuer', 'origin-1', 'origin-2', 'origin-3'];
  return isScaleOut ? [...roles, 'cachet-2', 'admin-2', 'redis'] : roles;
}

/** Where each port can be set, for messages that tell the user what to change. */
export const PORT_SETTINGS: Readonly<Record<PortRole, string>> = Object.freeze({
  cachet: '--port or CACHET_PORT',
  admin: '--admin-port or CACHET_ADMIN_PORT',
  issuer: '--issuer-port or ISSUER_PORT',
  'origin-1': '--origin-ports or ORIGIN_PORTS',
  'origin-2': '--origin-ports or ORIGIN_PORTS',
  'origin-3': '--origin-ports or ORIGIN_PORTS',
  'cachet-2': '--port-2 or CACHET_PORT_2',
  'admin-2': '--admin-port-2 or CACHET_ADMIN_PORT_2',
  redis: '--redis-port or REDIS_PORT',
});

export type PortCheck = { readonly ok: true; readonly port: number } | { readonly ok: false; readonly reason: string };

/**
 * Reads a TCP port: digits only, 0-65535 (0 asks the OS for a free one).
 *
 * @example
 * parsePort('8080'); // { ok: true, port: 8080 }
 * parsePort('80a');  // { ok: false, reason: 'expected an integer from 0 to 65535 (got "80a")' }
 */
export function parsePort(text: string): PortCheck {
  const trimmed = text.trim();
  const port = /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535)
    return { ok: false, reason: `expected an integer from 0 to 65535 (got ${JSON.stringify(text)})` };
  return { ok: true, port };
}

/** Problems with a plan: the same non-zero port twice. */
export function findDuplicatePorts(plan: Partial<PortPlan>): string[] {
  const seen = new Map<number, PortRole>();
  const problems: string[] = [];
  for (const [role, port] of Object.entries(plan) as [PortRole, number][]) {
    if (port === 0) continue;
    const first = seen.get(port);
    if (first === undefined) seen.set(port, role);
    else problems.push(`port ${port} is given to both ${first} and ${role}; set ${PORT_SETTINGS[role]} to another port`);
  }
  return problems;
}

/**
 * Binds `host:port` for a moment and reports why it cannot be used (`address already in use`,
 * `permission denied`), or the port the OS chose when `port` is 0. Done before any child is spawned,
 * so a busy port is one clear line instead of a child's stack trace.
 */
export async function probePort(host: string, port: number): Promise<PortCheck> {
  const server = createServer();
  return new Promise<PortCheck>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, reason: describeListenError(err) }));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve({ ok: true, port: chosen }));
    });
  });
}

/**
 * Turns a plan with zeros and wished-for ports into concrete free ports, or the list of problems
 * (one line each) when a port is busy, privileged or given twice.
 */
export async function resolvePorts<Role extends PortRole>(
  host: string,
  plan: Readonly<Record<Role, number>>,
): Promise<{ ok: true; ports: Readonly<Record<Role, number>> } | { ok: false; problems: string[] }> {
  const problems = findDuplicatePorts(plan);
  if (problems.length > 0) return { ok: false, problems };
  const resolved: Partial<Record<Role, number>> = {};
  const taken = new Set<number>();
  for (const [role, port] of Object.entries(plan) as [Role, number][]) {
    let check = await probePort(host, port);
    // The OS may hand the same free port out twice in a row once the probe socket is closed.
    while (check.ok && port === 0 && (taken.has(check.port) || Object.values<number>(plan).includes(check.port)))
      check = await probePort(host, 0);
    if (!check.ok) {
      problems.push(
        `cannot use port ${port} for ${role} on ${host}: ${check.reason}; set ${PORT_SETTINGS[role]} to another port (0 picks a free one)`,
      );
      continue;
    }
    taken.add(check.port);
    resolved[role] = check.port;
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, ports: resolved as Record<Role, number> };
}

function describeListenError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'address already in use';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL':
      return 'address not available on this machine';
    default:
      return err.message;
  }
}
