import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/types.ts';
import { listRequiredVariables } from './read.ts';

/** A cachet configuration a deploy file ships, with the environment that deployment gives it. */
export interface ShippedConfig {
  /** Where it is, such as `deploy/compose/cachet.yaml` or `deploy/kubernetes/configmap.yaml: cachet.yaml`. */
  readonly label: string;
  readonly text: string;
  readonly env: Readonly<Record<string, string>>;
}

/** What inspecting one kind of deploy file found: problems, the configs it ships, the admin paths it probes. */
export interface Findings {
  readonly problems: string[];
  readonly configs: ShippedConfig[];
  readonly probePaths: string[];
}

/** Stand-ins for what an operator exports before `docker run` or `docker compose up`, as docs/deploy.md says. */
export const OPERATOR_ENV: Readonly<Record<string, string>> = {
  CACHET_ADMIN_TOKEN: 'deploy-files-test-admin-token',
  CACHET_ORIGIN: 'http://api.internal:3000',
};

/** The admin API's probe paths (src/admin): a deploy file probing anything else probes a 404. */
export const PROBE_PATHS = ['/livez', '/readyz'];

export function createFindings(): Findings {
  return { problems: [], configs: [], probePaths: [] };
}

/**
 * Parses a shipped config as cachet would, recording a problem instead of throwing; also records each variable
 * the config reads without a default that the deployment does not set.
 */
export function readShippedConfig(findings: Findings, config: ShippedConfig): Config | undefined {
  findings.configs.push(config);
  for (const name of listRequiredVariables(config.text)) {
    if (config.env[name] === undefined) findings.problems.push(`${config.label}: reads \${${name}}, which the deployment does not set`);
  }
  try {
    return parseConfig(config.text, config.env, { source: config.label });
  } catch (err) {
    findings.problems.push(`${config.label}: ${(err as Error).message}`);
    return undefined;
  }
}

/** The ports a config listens on: the proxy's, then the admin API's when there is one. */
export function listConfigPorts(config: Config): number[] {
  return config.admin === undefined ? [config.listen.port] : [config.listen.port, config.admin.port];
}

/** Every URL a config names (targets, store, issuer, JWKS), as written. */
export function listConfigUrls(configText: string): URL[] {
  return [...configText.matchAll(/\b(?:https?|rediss?):\/\/[^\s,\]"'}]+/g)].map((match) => new URL(match[0]));
}

/** The port a URL reaches, its scheme's default when it names none. */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return { 'http:': 80, 'https:': 443, 'redis:': 6379, 'rediss:': 6379 }[url.protocol] ?? 0;
}
