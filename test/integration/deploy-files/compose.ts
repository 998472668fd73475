import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { imageCommand } from './docker.ts';
import { createFindings, listConfigPorts, listConfigUrls, OPERATOR_ENV, portOf, readShippedConfig, type Findings } from './findings.ts';
import { readConfigArgument, readDockerfile, readYaml, type DockerStage } from './read.ts';

export const COMPOSE_FILE = 'deploy/compose/compose.yaml';

interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile: string; readonly target?: string };
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly volumes?: readonly string[];
  readonly ports?: readonly string[];
  readonly depends_on?: Readonly<Record<string, unknown>>;
}

/**
 * The compose file: what it builds exists (context, Dockerfile, target stage), every file it mounts exists, and each
 * cachet service runs a config that its environment completes, whose ports are the ones published, and whose URLs
 * reach services of this file on ports they listen on.
 */
export function inspectCompose(root: string): Findings {
  const findings = createFindings();
  const { problems } = findings;
  const directory = dirname(join(root, COMPOSE_FILE));
  const services = (readYaml(join(root, COMPOSE_FILE)) as { services: Record<string, ComposeService> }).services;
  const cachetServices: [string, ComposeService, DockerStage][] = [];
  for (const [name, service] of Object.entries(services)) {
    for (const dependency of Object.keys(service.depends_on ?? {})) {
      if (services[dependency] === undefined) problems.push(`${COMPOSE_FILE}: ${name} depends on ${dependency}, no such service`);
    }
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0] ?? '';
      if (source.startsWith('.') && !existsSync(join(directory, source)))
        problems.push(`${COMPOSE_FILE}: ${name} mounts ${source}, which does not exist`);
    }
    if (service.build === undefined) continue;
    const dockerfile = join(directory, service.build.context, service.build.dockerfile);
    if (!existsSync(dockerfile)) {
      problems.push(`${COMPOSE_FILE}: ${name} builds ${service.build.dockerfile}, not found from ${service.build.context}`);
      continue;
    }
    const stages = readDockerfile(dockerfile);
    const stage = stages.find((candidate) => candidate.name === service.build?.target);
    if (stage === undefined) problems.push(`${COMPOSE_FILE}: ${name} builds target ${service.build.target}, no such stage`);
    else if (stage === stages.at(-1)) cachetServices.push([name, service, stage]);
  }
  if (cachetServices.length < 2) problems.push(`${COMPOSE_FILE}: ${cachetServices.length} cachet service(s), expected two`);
  for (const [name, service, stage] of cachetServices) inspectCachetService(root, services, name, service, stage, findings);
  return findings;
}

function inspectCachetService(
  root: string,
  services: Readonly<Record<string, ComposeService>>,
  name: string,
  service: ComposeService,
  stage: DockerStage,
  findings: Findings,
): void {
  const { problems } = findings;
  const directory = dirname(join(root, COMPOSE_FILE));
  const configPath = readConfigArgument(service.command ?? imageCommand(stage).slice(1));
  const mount = service.volumes?.map((volume) => volume.split(':')).find(([, target]) => target === configPath);
  if (mount?.[0] === undefined) {
    problems.push(`${COMPOSE_FILE}: ${name} mounts no config at ${configPath ?? '(no --config)'}`);
    return;
  }
  const file = join(directory, mount[0]);
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(value)]));
  const config = readShippedConfig(findings, { label: posix.normalize(relative(root, file)), text, env });
  if (config === undefined) return;
  const ports = listConfigPorts(config);
  const published = (service.ports ?? []).map((mapping) => Number(mapping.split(':').at(-1)));
  for (const port of published) {
    if (!ports.includes(port))
      problems.push(`${COMPOSE_FILE}: ${name} publishes container port ${port}, the config listens on ${ports.join(' ')}`);
  }
  if (!published.includes(config.listen.port))
    problems.push(`${COMPOSE_FILE}: ${name} does not publish the proxy port ${config.listen.port}`);
  for (const url of listConfigUrls(text)) {
    const target = services[url.hostname];
    const named = `${url.protocol}//${url.host}`;
    if (target === undefined) problems.push(`${COMPOSE_FILE}: ${name}'s config names ${named}, no such service`);
    else if (!listensOn(target).includes(portOf(url)))
      problems.push(`${COMPOSE_FILE}: ${name}'s config names ${named}, ${url.hostname} listens on ${listensOn(target).join(' ')}`);
  }
}

/** Ports a non-cachet service of this file listens on: its `--port` flag, or Redis's default. */
function listensOn(service: ComposeService): number[] {
  const flag = service.command?.indexOf('--port') ?? -1;
  if (flag !== -1) return [Number(service.command?.[flag + 1])];
  return service.image?.startsWith('redis') === true ? [6379] : [];
}

/** Compose's `${NAME}`, `${NAME:?message}` and `${NAME:-default}`, from what the operator exports. */
function interpolate(value: string): string {
  return String(value).replace(/\$\{(\w+)(?::?([?-])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    return OPERATOR_ENV[name] ?? (kind === '-' ? (rest ?? '') : '');
  });
}
