import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createFindings, readShippedConfig, type Findings } from './findings.ts';
import { readConfigArgument, readEnvFile, readUnit, type Unit } from './read.ts';

export const UNIT_FILE = 'deploy/systemd/cachet.service';
const UNIT_DIR = 'deploy/systemd';

function valuesOf(unit: Unit, key: string): string[] {
  return unit.get('Service')?.get(key) ?? [];
}

/**
 * The unit: ExecStart is an absolute path; the config and environment file it names are shipped beside it (the
 * environment file as `<name>.example`), the first completing the second; SIGHUP reloads; SIGTERM stops, with more
 * time than the config's drain; it runs unprivileged.
 */
export function inspectSystemdUnit(root: string): Findings {
  const findings = createFindings();
  const { problems } = findings;
  const unit = readUnit(join(root, UNIT_FILE));
  const execStart = valuesOf(unit, 'ExecStart')[0]?.split(/\s+/) ?? [];
  if (!execStart[0]?.startsWith('/')) problems.push(`${UNIT_FILE}: ExecStart ${execStart[0]} is not an absolute path`);
  if (!valuesOf(unit, 'ExecReload').some((line) => /^\/bin\/kill -HUP \$MAINPID$/.test(line)))
    problems.push(`${UNIT_FILE}: no ExecReload sending SIGHUP`);
  if (valuesOf(unit, 'KillSignal')[0] !== 'SIGTERM') problems.push(`${UNIT_FILE}: KillSignal is not SIGTERM`);
  if (valuesOf(unit, 'DynamicUser')[0] !== 'yes' && valuesOf(unit, 'User')[0] === undefined) problems.push(`${UNIT_FILE}: runs as root`);
  for (const [key, value] of [
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
  ] as const) {
    if (valuesOf(unit, key)[0] !== value) problems.push(`${UNIT_FILE}: ${key} is not ${value}`);
  }

  const env: Record<string, string> = {};
  for (const file of valuesOf(unit, 'EnvironmentFile')) {
    const shipped = join(root, UNIT_DIR, `${basename(file.replace(/^-/, ''))}.example`);
    if (existsSync(shipped)) Object.assign(env, readEnvFile(shipped));
    else problems.push(`${UNIT_FILE}: EnvironmentFile ${file} has no example beside the unit`);
  }
  const configPath = readConfigArgument(execStart);
  const shipped = configPath === undefined ? undefined : join(UNIT_DIR, basename(configPath));
  if (shipped === undefined || !existsSync(join(root, shipped))) {
    problems.push(`${UNIT_FILE}: the config it runs (${configPath ?? 'no --config'}) is not shipped beside it`);
    return findings;
  }
  const config = readShippedConfig(findings, { label: shipped, text: readFileSync(join(root, shipped), 'utf8'), env });
  const stopSec = Number(valuesOf(unit, 'TimeoutStopSec')[0] ?? 90);
  if (config !== undefined && stopSec <= config.shutdown.drainTimeoutMs / 1000) {
    problems.push(`${UNIT_FILE}: TimeoutStopSec ${stopSec} is not above the drain (${config.shutdown.drainTimeoutMs / 1000} s)`);
  }
  return findings;
}

/**
 * A copy of the unit `systemd-analyze verify` can check on this machine: the executable ExecStart names replaced
 * by one that exists here (verify refuses commands it cannot find), everything else as shipped.
 */
export function writeVerifiableUnit(root: string, directory: string, executable: string): string {
  const text = readFileSync(join(root, UNIT_FILE), 'utf8').replace(/^(Exec(?:Start|Reload)=)(\S+)(?= \/opt\/)/gm, `$1${executable}`);
  const path = join(directory, 'cachet.service');
  writeFileSync(path, text);
  return path;
}
