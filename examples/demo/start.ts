/**
 * `npm start`: the whole demo architecture on this machine (issuer, three origin instances sharing
 * one SQLite file, cachet in front; with `--redis`, two cachet instances sharing one Redis), then a
 * guided tour of curl commands. Ctrl-C stops it all.
 */
import { describeStartError } from './errors.ts';
import type { ChildExit } from './children.ts';
import { startDemoStack, type DemoStack } from './stack.ts';
import { parseStartOptions, START_USAGE } from './start-options.ts';
import { formatStackSummary, formatTour } from './tour.ts';
import { formatBytes } from './load/report.ts';

const PINO_LEVELS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

const parsed = parseStartOptions(process.argv.slice(2), process.env);
if (parsed.kind === 'help') {
  process.stdout.write(`${START_USAGE}\n`);
  process.exit(0);
}
if (parsed.kind === 'error') {
  for (const problem of parsed.problems) process.stderr.write(`demo: ${problem}\n`);
  process.stderr.write('demo: see npm start -- --help\n');
  process.exit(1);
}
const { options } = parsed;
const gatewayNames = options.redis === undefined ? 'cachet' : 'the two cachet instances';

let startup: Promise<DemoStack> | undefined;
let isShuttingDown = false;

/** Stops the children (SIGTERM, SIGKILL after a grace period) and exits with `code`. */
async function shutDown(code: number): Promise<never> {
  if (!isShuttingDown) {
    isShuttingDown = true;
    process.stderr.write(
      `demo: stopping ${gatewayNames}, the origins and the issuer${options.redis === 'private' ? ' and redis' : ''}...\n`,
    );
    // A Ctrl-C during start-up waits for the children being started, then stops them too.
    const stack = await startup?.catch(() => undefined);
    await stack?.stop();
    process.stderr.write('demo: stopped\n');
  }
  process.exit(code);
}

/** Under `npm start`, one Ctrl-C can arrive twice (from the terminal and forwarded by npm). */
const REPEAT_SIGNAL_WINDOW_MS = 1000;
let firstSignalAt: number | undefined;
const onSignal = (): void => {
  const now = Date.now();
  if (firstSignalAt === undefined) {
    firstSignalAt = now;
    void shutDown(0);
    return;
  }
  // A second, deliberate Ctrl-C while stopping: the exit hook in children.ts SIGKILLs whatever is left.
  if (now - firstSignalAt > REPEAT_SIGNAL_WINDOW_MS) process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const onUnexpectedExit = (name: string, exit: ChildExit): void => {
  if (isShuttingDown) return;
  const how = exit.signal ?? `code ${exit.code}`;
  if (name.startsWith('origin-')) {
    process.stderr.write(`demo: ${name} exited (${how}); cachet routes around it (health checks, retries on another instance)\n`);
    return;
  }
  if (name === 'redis') {
    process.stderr.write(
      `demo: redis exited (${how}); both instances keep answering from their memory tiers and the origins, sharing nothing\n`,
    );
    return;
  }
  process.stderr.write(`demo: ${name} exited (${how}); the demo cannot run without it\n`);
  void shutDown(1);
};

process.stdout.write(
  `demo: starting ${options.redis === 'private' ? 'redis-server, ' : ''}the issuer, three origin instances (generating ${formatBytes(options.definitionsBytes)} of definitions each) and ${gatewayNames}...\n`,
);
let stack: DemoStack;
try {
  startup = startDemoStack({
    ports: options.ports,
    definitionsBytes: options.definitionsBytes,
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    ...(options.redis === undefined ? {} : { redis: options.redis }),
    onOutput: (name, line) => process.stderr.write(`${formatChildLine(name, line)}\n`),
    onUnexpectedExit,
  });
  stack = await startup;
} catch (err) {
  if (isShuttingDown) await new Promise(() => undefined);
  const message = describeStartError(err);
  for (const line of message.split('\n')) process.stderr.write(`demo: ${line}\n`);
  process.exit(1);
}
if (isShuttingDown) await new Promise(() => undefined);
process.stdout.write(`\n${formatStackSummary(stack).join('\n')}\n\n${formatTour(stack).join('\n')}\n\n`);

/** Children log JSON lines; the terminal gets `[origin-2] info: purged cache tags (tags=threats,threat-7 purged=2)`. */
function formatChildLine(name: string, line: string): string {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (typeof entry['msg'] !== 'string') return `[${name}] ${line}`;
    const { msg, level, time: _time, pid: _pid, hostname: _hostname, instance: _instance, ...rest } = entry;
    const details = Object.entries(rest).map(
      ([key, value]) =>
        `${key}=${Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    );
    const levelName = typeof level === 'number' ? (PINO_LEVELS[level] ?? String(level)) : String(level ?? 'info');
    return `[${name}] ${levelName}: ${msg}${details.length > 0 ? ` (${details.join(' ')})` : ''}`;
  } catch {
    return `[${name}] ${line}`;
  }
}
