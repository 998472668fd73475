/** Command-line parsing: pure, so every usage rule is a table test. */

export type CommandName = 'proxy' | 'run' | 'check';

interface OptionSpec {
  readonly takesValue: boolean;
  readonly short?: string;
  /** Shown in help, e.g. `<origin-url>`. */
  readonly placeholder?: string;
  readonly summary: string;
}

interface CommandSpec {
  readonly summary: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly required: readonly string[];
}

const HELP: OptionSpec = { takesValue: false, short: 'h', summary: 'show this help' };
const WORKERS = {
  takesValue: true,
  placeholder: '<N|auto>',
  summary: 'processes serving the listen port (auto: one per core; default 1)',
} as const satisfies OptionSpec;

/** Every command and option the CLI knows; help text is generated from it. */
export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  proxy: {
    summary: 'shared caching reverse proxy in front of one origin, in-memory store, no config file',
    usage: 'cachet proxy --to <origin-url> [--port 8080] [--host 127.0.0.1] [--admin-port N --admin-token T] [--workers N|auto]',
    options: {
      to: { takesValue: true, placeholder: '<origin-url>', summary: 'origin to cache in front of, e.g. http://127.0.0.1:3000 (required)' },
      port: { takesValue: true, placeholder: '<port>', summary: 'port to listen on (default 8080; 0 picks a free port)' },
      host: { takesValue: true, placeholder: '<host>', summary: 'address to listen on (default 127.0.0.1)' },
      'admin-port': { takesValue: true, placeholder: '<port>', summary: 'turn on the admin API (purge, metrics, health) on this port' },
      'admin-host': { takesValue: true, placeholder: '<host>', summary: 'address of the admin API (default 127.0.0.1)' },
      'admin-token': {
        takesValue: true,
        placeholder: '<token>',
        summary: 'admin bearer token, 16+ characters (default: $CACHET_ADMIN_TOKEN)',
      },
      'log-level': { takesValue: true, placeholder: '<level>', summary: 'fatal, error, warn, info (default), debug, trace or silent' },
      workers: WORKERS,
      help: HELP,
    },
    required: ['to'],
  },
  run: {
    summary: 'run the full gateway from a YAML config file',
    usage: 'cachet run --config <file.yaml> [--workers N|auto]',
    options: {
      config: { takesValue: true, short: 'c', placeholder: '<file.yaml>', summary: 'config file (see docs/configuration.md)' },
      workers: { ...WORKERS, summary: `${WORKERS.summary}; overrides \`workers\` in the file` },
      help: HELP,
    },
    required: ['config'],
  },
  check: {
    summary: 'validate a config file: print a summary, or every problem and exit 1',
    usage: 'cachet check --config <file.yaml>',
    options: {
      config: { takesValue: true, short: 'c', placeholder: '<file.yaml>', summary: 'config file to validate' },
      help: HELP,
    },
    required: ['config'],
  },
};

/** What the command line asks for. A usage error is an outcome, not an exception. */
export type ParsedArgs =
  | { readonly kind: 'help'; readonly command: CommandName | undefined }
  | { readonly kind: 'version' }
  | { readonly kind: 'command'; readonly command: CommandName; readonly options: Readonly<Record<string, string>> }
  | { readonly kind: 'usage-error'; readonly message: string; readonly command: CommandName | undefined };

/**
 * Parses `argv` (without the node and script paths). Options take `--name value` or `--name=value`;
 * `--help`/`-h` and `--version`/`-v` win wherever they appear.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [first, ...rest] = argv;
  if (first === undefined) return usageError('missing command', undefined);
  if (first === '--help' || first === '-h') return { kind: 'help', command: undefined };
  if (first === '--version' || first === '-v' || first === 'version') return { kind: 'version' };
  if (first === 'help') return parseHelpTopic(rest);
  if (!isCommandName(first)) {
    return usageError(
      first.startsWith('-') ? `unknown option ${first}` : `unknown command '${first}', expected proxy, run, check or help`,
      undefined,
    );
  }
  return parseCommand(first, rest);
}

function parseHelpTopic(rest: readonly string[]): ParsedArgs {
  const [topic, ...extra] = rest;
  if (topic === undefined) return { kind: 'help', command: undefined };
  if (!isCommandName(topic)) return usageError(`no help for '${topic}', expected proxy, run or check`, undefined);
  if (extra.length > 0) return usageError(`unexpected argument '${extra[0]}'`, topic);
  return { kind: 'help', command: topic };
}

function parseCommand(command: CommandName, args: readonly string[]): ParsedArgs {
  if (args.includes('--help') || args.includes('-h')) return { kind: 'help', command };
  if (args.includes('--version') || args.includes('-v')) return { kind: 'version' };
  const spec = COMMANDS[command];
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-') || arg === '-' || arg === '--') return usageError(`unexpected argument '${arg}'`, command);
    const equals = arg.indexOf('=');
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const name = findOptionName(spec, flag);
    if (name === undefined) return usageError(`unknown option ${flag} for 'cachet ${command}'`, command);
    if (equals !== -1) {
      options[name] = arg.slice(equals + 1);
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || (value.startsWith('-') && value !== '-')) return usageError(`option ${flag} needs a value`, command);
    options[name] = value;
    i++;
  }
  const missing = spec.required.filter((name) => options[name] === undefined);
  if (missing.length > 0) return usageError(`missing ${missing.map((name) => `--${name}`).join(', ')}`, command);
  return { kind: 'command', command, options };
}

function findOptionName(spec: CommandSpec, flag: string): string | undefined {
  if (flag.startsWith('--')) {
    const name = flag.slice(2);
    return Object.hasOwn(spec.options, name) && spec.options[name]?.takesValue === true ? name : undefined;
  }
  return Object.entries(spec.options).find(([, option]) => option.takesValue && `-${option.short}` === flag)?.[0];
}

function isCommandName(value: string): value is CommandName {
  return Object.hasOwn(COMMANDS, value);
}

function usageError(message: string, command: CommandName | undefined): ParsedArgs {
  return { kind: 'usage-error', message, command };
}

/** Reads a TCP port option: an integer 0-65535, or undefined when it is not one. */
export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65_535 ? port : undefined;
}
