import { createOptionReader } from './option-source.ts';
import { parseArgs } from 'node:util';
import { parseByteSize } from '../../src/config/units.ts';
import { DEFAULT_PORTS, parsePort, type PortPlan, type PortRole } from './ports.ts';
import { DEFAULT_DEFINITIONS_BYTES } from './stack.ts';

export interface StartOptions {
  readonly ports: PortPlan;
  readonly definitionsBytes: number;
  readonly adminToken: string | undefined;
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
  Port 0 picks a free port. CACHET_ADMIN_TOKEN (16+ characters) sets the admin token, else one is generated.`;

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

  const adminToken = env['CACHET_ADMIN_TOKEN'];
  if (adminToken !== undefined && adminToken !== '' && adminToken.length < 16) {
    problems.push('CACHET_ADMIN_TOKEN: must be at least 16 characters (unset it to have one generated)');
  }
  if (problems.length > 0) return { kind: 'error', problems };
  return { kind: 'ok', options: { ports, definitionsBytes, adminToken: adminToken === '' ? undefined : adminToken } };
}
