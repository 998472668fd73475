/**
 * `npm run demo:load`: a fleet of simulated devices (1,000 by default) checking for virus definitions
 * and threat lists through cachet, then a report of measured hit ratio, origin requests, bytes saved,
 * 304s and latency. Starts its own demo stack on free ports unless `--gateway` names a running one.
 */
import { describeStartError } from './errors.ts';
import { fetchGatewayCounters, subtractCounters, type GatewayCounters } from './load/gateway-metrics.ts';
import { LOAD_USAGE, parseLoadOptions } from './load/options.ts';
import { createProgressBar } from './load/progress.ts';
import { formatReport, formatBytes } from './load/report.ts';
import { countPlannedRequests, runLoad, type LoadPlan } from './load/run.ts';
import { startDemoStack, type DemoStack } from './stack.ts';

const parsed = parseLoadOptions(process.argv.slice(2), process.env);
if (parsed.kind === 'help') {
  process.stdout.write(`${LOAD_USAGE}\n`);
  process.exit(0);
}
if (parsed.kind === 'error') {
  for (const problem of parsed.problems) process.stderr.write(`demo:load: ${problem}\n`);
  process.stderr.write('demo:load: see npm run demo:load -- --help\n');
  process.exit(1);
}
const { options } = parsed;

let stack: DemoStack | undefined;
let startup: Promise<DemoStack> | undefined;
let isStopping = false;
const stopAndExit = async (code: number): Promise<never> => {
  if (!isStopping) {
    isStopping = true;
    const started = stack ?? (await startup?.catch(() => undefined));
    await started?.stop();
  }
  process.exit(code);
};
const onSignal = (): void => {
  process.stderr.write('\ndemo:load: interrupted; stopping\n');
  void stopAndExit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

let gatewayUrl = options.gatewayUrl;
let adminUrl = options.adminUrl;
let adminToken = options.adminToken;
if (gatewayUrl === undefined) {
  process.stderr.write(
    `demo:load: starting the demo stack on free ports (issuer, three origins with ${formatBytes(options.definitionsBytes)} of definitions, cachet)...\n`,
  );
  try {
    startup = startDemoStack({
      ports: { cachet: 0, admin: 0, issuer: 0, 'origin-1': 0, 'origin-2': 0, 'origin-3': 0 },
      definitionsBytes: options.definitionsBytes,
      logLevel: 'error',
      onOutput: (name, line) => {
        if (/"level":"(error|fatal)"|"level":[56]0/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
      },
      onUnexpectedExit: (name, exit) => process.stderr.write(`demo:load: ${name} exited (${exit.signal ?? `code ${exit.code}`})\n`),
    });
    stack = await startup;
  } catch (err) {
    process.stderr.write(`demo:load: ${describeStartError(err)}\n`);
    process.exit(1);
  }
  gatewayUrl = stack.gatewayUrl;
  adminUrl = stack.adminUrl;
  adminToken = stack.adminToken;
}

const plan: LoadPlan = {
  gatewayUrl,
  devices: options.devices,
  rounds: options.rounds,
  intervalMs: options.intervalMs,
  concurrency: options.concurrency,
  freshShare: options.freshShare,
  threatIds: options.threatIds,
  seed: options.seed,
};
const readCounters = async (): Promise<GatewayCounters | undefined> =>
  adminUrl === undefined || adminToken === undefined ? undefined : fetchGatewayCounters(adminUrl, adminToken);

process.stderr.write(
  `demo:load: ${options.devices.toLocaleString('en-US')} devices, ${options.rounds} checks each every ${options.intervalMs / 1000} s, ` +
    `${countPlannedRequests(plan).toLocaleString('en-US')} requests through ${gatewayUrl}\n`,
);
const bar = createProgressBar(process.stderr);
let before: GatewayCounters | undefined;
let exitCode = 0;
try {
  const result = await runLoad(plan, {
    onStart: async () => {
      before = await readCounters();
    },
    onProgress: (progress) => bar.update(progress),
  });
  bar.finish();
  const after = await readCounters();
  const originNames: Record<string, string> = {};
  stack?.originUrls.forEach((url, index) => {
    originNames[url] = `origin-${index + 1}`;
  });
  const report = formatReport({
    devices: options.devices,
    freshDevices: result.freshDevices,
    rounds: options.rounds,
    intervalMs: options.intervalMs,
    definitionsBytes: result.definitionsBytes,
    elapsedMs: result.elapsedMs,
    summary: result.stats.summarize(),
    gateway: after === undefined || before === undefined ? undefined : subtractCounters(after, before),
    originNames,
  });
  process.stdout.write(`\n${report.join('\n')}\n`);
} catch (err) {
  bar.finish();
  process.stderr.write(`demo:load: ${err instanceof Error ? err.message : String(err)}\n`);
  exitCode = 1;
}
await stopAndExit(exitCode);
