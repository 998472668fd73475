import { readFileSync } from 'node:fs';
import { COMMANDS, type CommandName } from './args.ts';

let version: string | undefined;

/** The version in package.json, read once. */
export function readVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}

/** `cachet --help`. */
export function formatGeneralHelp(): string {
  const names = Object.keys(COMMANDS) as CommandName[];
  const width = Math.max(...names.map((name) => name.length));
  return [
    `cachet ${readVersion()}: a stateless caching API gateway (RFC 9111 shared cache)`,
    '',
    'Usage:',
    ...names.map((name) => `  ${COMMANDS[name].usage}`),
    '  cachet help [command]',
    '  cachet --version',
    '',
    'Commands:',
    ...names.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name].summary}`),
    '',
    "Run 'cachet help <command>' for its options.",
    'Exit status: 0 success, 1 error (invalid config, cannot listen), 2 usage error.',
    '',
  ].join('\n');
}

/** `cachet help <command>` and `cachet <command> --help`. */
export function formatCommandHelp(command: CommandName): string {
  const spec = COMMANDS[command];
  const rows = Object.entries(spec.options).map(([name, option]) => {
    const flags = `${option.short === undefined ? '    ' : `-${option.short}, `}--${name}${option.placeholder === undefined ? '' : ` ${option.placeholder}`}`;
    return [flags, option.summary] as const;
  });
  const width = Math.max(...rows.map(([flags]) => flags.length));
  return [
    `cachet ${command}: ${spec.summary}`,
    '',
    'Usage:',
    `  ${spec.usage}`,
    '',
    'Options:',
    ...rows.map(([flags, summary]) => `  ${flags.padEnd(width)}  ${summary}`),
    '',
    ...(command === 'proxy'
      ? ['The process prints a line with "listening" once it accepts connections; SIGTERM or SIGINT drains and exits 0.', '']
      : command === 'run'
        ? [
            '${NAME} and ${NAME:-default} in string values are read from the environment.',
            'With more than one worker a supervisor runs them on the one listen port, serves the admin API for all of',
            'them, and replaces a worker that dies.',
            'SIGTERM or SIGINT drains in-flight requests (every worker) and exits 0; a second signal exits at once.',
            '',
          ]
        : ['Exit status: 0 valid, 1 invalid (every problem is listed), 2 usage error.', '']),
  ].join('\n');
}
