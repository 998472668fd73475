import { existsSync, readFileSync } from 'node:fs';
import { join, matchesGlob, normalize } from 'node:path';
import { createFindings, listConfigPorts, OPERATOR_ENV, PROBE_PATHS, readShippedConfig, type Findings } from './findings.ts';
import { readConfigArgument, readDockerCommand, readDockerCopy, readDockerfile, readDockerignore, type DockerStage } from './read.ts';

export const DOCKERFILE = 'deploy/docker/Dockerfile';

/** The instructions of a stage with one keyword, in order. */
export function argsOf(stage: DockerStage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
}

/** The command the image runs by default: ENTRYPOINT followed by CMD. */
export function imageCommand(stage: DockerStage): string[] {
  const entrypoint = argsOf(stage, 'ENTRYPOINT').at(-1);
  const cmd = argsOf(stage, 'CMD').at(-1);
  return [...(entrypoint === undefined ? [] : readDockerCommand(entrypoint)), ...(cmd === undefined ? [] : readDockerCommand(cmd))];
}

/**
 * The Dockerfile, built from the repository root: every file it copies exists and is in the build context; the
 * packed package goes from a build stage into the last one; that stage runs as a user other than root, ships the
 * config its CMD names, exposes exactly that config's ports and probes one of the admin API's probe paths.
 */
export function inspectDockerfile(root: string): Findings {
  const findings = createFindings();
  const { problems } = findings;
  const stages = readDockerfile(join(root, DOCKERFILE));
  const ignored = readDockerignore(join(root, '.dockerignore'));
  for (const stage of stages) {
    for (const copy of argsOf(stage, 'COPY').map(readDockerCopy)) {
      if (copy.from !== undefined) {
        if (!stages.some((other) => other.name === copy.from)) problems.push(`${DOCKERFILE}: COPY --from=${copy.from}: no such stage`);
        continue;
      }
      for (const source of copy.sources) {
        if (!existsSync(join(root, source))) problems.push(`${DOCKERFILE}: COPY ${source}: not in the repository`);
        const pattern = findIgnoringPattern(ignored, source);
        if (pattern !== undefined)
          problems.push(`${DOCKERFILE}: COPY ${source}: left out of the build context by .dockerignore (${pattern})`);
      }
    }
  }
  const runtime = stages.at(-1);
  if (runtime === undefined) {
    problems.push(`${DOCKERFILE}: no FROM`);
    return findings;
  }
  inspectRuntimeStage(root, stages, runtime, findings);
  return findings;
}

function inspectRuntimeStage(root: string, stages: readonly DockerStage[], runtime: DockerStage, findings: Findings): void {
  const { problems } = findings;
  const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  const nodeMajor = engines.match(/\d+/)?.[0];
  if (!runtime.image.startsWith(`node:${nodeMajor}`))
    problems.push(`${DOCKERFILE}: the image runs on ${runtime.image}, not Node ${nodeMajor} (${engines})`);
  const packing = stages.find((stage) => argsOf(stage, 'RUN').some((run) => run.includes('npm pack')));
  const copiesPacked = argsOf(runtime, 'COPY').some((copy) => packing !== undefined && readDockerCopy(copy).from === packing.name);
  if (!copiesPacked) problems.push(`${DOCKERFILE}: the last stage copies nothing from a stage that runs npm pack`);
  const user = argsOf(runtime, 'USER').at(-1)?.split(':')[0];
  if (user === undefined || user === 'root' || user === '0') problems.push(`${DOCKERFILE}: the last stage runs as root`);

  const configPath = readConfigArgument(imageCommand(runtime));
  const configCopy = argsOf(runtime, 'COPY')
    .map(readDockerCopy)
    .find((copy) => copy.from === undefined && copy.destination === configPath);
  const source = configCopy?.sources[0];
  if (configPath === undefined || source === undefined) {
    problems.push(`${DOCKERFILE}: the last stage does not ship the config its command names (${configPath ?? 'no --config'})`);
    return;
  }
  const config = readShippedConfig(findings, { label: source, text: readFileSync(join(root, source), 'utf8'), env: OPERATOR_ENV });
  if (config === undefined) return;
  const exposed = argsOf(runtime, 'EXPOSE').flatMap((ports) => ports.split(/\s+/).map((port) => Number.parseInt(port, 10)));
  const ports = listConfigPorts(config);
  if (exposed.join(',') !== ports.join(','))
    problems.push(`${DOCKERFILE}: EXPOSE ${exposed.join(' ')}, the config listens on ${ports.join(' ')}`);
  inspectHealthcheck(runtime, config.admin?.port, findings);
}

/** `HEALTHCHECK ... CMD ... http://127.0.0.1:<admin port>/<probe path>`. */
function inspectHealthcheck(runtime: DockerStage, adminPort: number | undefined, findings: Findings): void {
  const healthcheck = argsOf(runtime, 'HEALTHCHECK').at(-1);
  if (healthcheck === undefined) return;
  const url = healthcheck.match(/http:\/\/[^'"\s)]+/)?.[0];
  if (url === undefined) {
    findings.problems.push(`${DOCKERFILE}: HEALTHCHECK names no URL`);
    return;
  }
  const { port, pathname } = new URL(url);
  if (Number(port) !== adminPort) findings.problems.push(`${DOCKERFILE}: HEALTHCHECK asks port ${port}, the admin API is on ${adminPort}`);
  if (!PROBE_PATHS.includes(pathname)) findings.problems.push(`${DOCKERFILE}: HEALTHCHECK asks ${pathname}, not a probe path`);
  findings.probePaths.push(pathname);
}

/** The `.dockerignore` pattern that leaves a path (or a folder above it) out of the build context. */
function findIgnoringPattern(patterns: readonly string[], source: string): string | undefined {
  const parts = normalize(source).replace(/\/$/, '').split('/');
  return patterns.find((pattern) => parts.some((_, index) => matchesGlob(parts.slice(0, index + 1).join('/'), pattern)));
}
