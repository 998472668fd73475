import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';

// Readers for the files under deploy/: just enough of Dockerfile, compose, Kubernetes and systemd syntax to find
// the ports, paths, probes and configurations they name.

/** One Dockerfile instruction, continuation lines joined. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
}

export interface DockerStage {
  readonly name: string | undefined;
  readonly image: string;
  readonly instructions: readonly DockerInstruction[];
}

/** The stages of a Dockerfile, in order; the last one is what `docker build` makes without `--target`. */
export function readDockerfile(path: string): DockerStage[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const instructions: DockerInstruction[] = [];
  let pending = '';
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === '')) continue;
    pending += ` ${trimmed.replace(/\\$/, '')}`;
    if (trimmed.endsWith('\\')) continue;
    const [keyword = '', ...rest] = pending.trim().split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' ') });
    pending = '';
  }
  const stages: { name: string | undefined; image: string; instructions: DockerInstruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(' ');
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, image, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** `["a", "b"]` (exec form) or `a b` (shell form, split on spaces). */
export function readDockerCommand(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
}

/** The flags (`--from=build`) and the words of a COPY instruction: sources, then the destination last. */
export function readDockerCopy(args: string): {
  readonly from: string | undefined;
  readonly sources: string[];
  readonly destination: string;
} {
  const words = args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

/** `.dockerignore` patterns, negations left out (none are used). */
export function readDockerignore(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
}

export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { merge: true });
}

export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => document.toJS());
}

/** A systemd unit: section → key → every value given (ExecReload may repeat). */
export type Unit = Map<string, Map<string, string[]>>;

export function readUnit(path: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = line.match(/^\[(.+)\]$/);
    if (header !== null) {
      section = new Map();
      unit.set(header[1] ?? '', section);
      continue;
    }
    const equals = line.indexOf('=');
    if (section === undefined || equals === -1) continue;
    const key = line.slice(0, equals).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(equals + 1).trim()]);
  }
  return unit;
}

/** `KEY=value` lines of an environment file. */
export function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/);
    if (match !== null) env[match[1] ?? ''] = match[2] ?? '';
  }
  return env;
}

/** The value following `--config` in a command line. */
export function readConfigArgument(command: readonly string[]): string | undefined {
  const index = command.indexOf('--config');
  return index === -1 ? undefined : command[index + 1];
}

/** Variables a cachet config reads without a default: `${NAME}`, not `${NAME:-value}`. */
export function listRequiredVariables(configText: string): string[] {
  return [...new Set([...configText.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1] ?? ''))];
}
