/**
 * A worker process of a supervised instance (`workers` > 1): the supervisor forks this module. It serves the
 * proxy port with a gateway of its own (its own memory cache, pools and revocation list), applies what the
 * bus delivers, answers the supervisor's metrics and health calls, and drains when told or signalled.
 */
import type { Gateway } from '../gateway.ts';
import { turnOffPretenuring } from '../server/pretenuring.ts';
import { createIpcMemberBus } from './ipc-bus.ts';
import { createIpcPeer, type IpcChannel } from './ipc-peer.ts';
import type { SupervisorCall, SupervisorNote, WorkerNote } from './protocol.ts';
import type { Config } from '../config/types.ts';
import type { ReloadOutcome } from '../reload/reloader.ts';

/** Past the drain timeout, the worker exits even if a stray handle still holds its event loop. */
const EXIT_GRACE_MS = 2000;

turnOffPretenuring();

const supervisor = createIpcPeer(process as unknown as IpcChannel);
const bus = createIpcMemberBus(supervisor);
let gateway: Gateway | undefined;
let drainTimeoutMs = 0;
let draining: Promise<void> | undefined;
/** Settles once `start` has run (listening, or failed). */
let started: Promise<void> | undefined;

supervisor.onNotify((body) => {
  const note = body as SupervisorNote;
  if (note.type === 'start') started = start(note);
  else void drain(0);
});

supervisor.onCall((body) => {
  const call = body as SupervisorCall;
  switch (call.type) {
    case 'deliver':
      return bus.deliver(call.message);
    case 'metrics':
      return gateway?.metrics.snapshot() ?? [];
    case 'health':
      return gateway?.health();
    case 'reload':
      return reload(call.config);
  }
});

// Ctrl-C reaches every process of the group, and a service manager may signal them all: the first signal drains
// this worker (the supervisor, stopping too, does not replace it), a second exits at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (draining === undefined) void drain(0);
    else process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
// A reload is the supervisor's to run (it reads the file and tells every worker): a SIGHUP that reaches the whole
// process group (a closed terminal, a service manager) must not end this worker, as Node's default would.
process.on('SIGHUP', () => undefined);
// The supervisor is gone (killed, or exited at a second signal): finish what is in flight and stop.
process.on('disconnect', () => void drain(0));

const tell = (note: WorkerNote): Promise<void> => supervisor.notify(note);

void tell({ type: 'hello' });

async function start(note: Extract<SupervisorNote, { type: 'start' }>): Promise<void> {
  drainTimeoutMs = note.config.shutdown.drainTimeoutMs;
  try {
    // Loaded after `hello`, so the supervisor learns at once that this worker reads its channel.
    const { createGateway } = await import('../gateway.ts');
    gateway = await createGateway(note.config, { processMetrics: true, bus, reusePort: note.reusePort });
    const nowSec = Math.floor(Date.now() / 1000);
    for (const entry of note.revocations) gateway.revocations.add(entry, nowSec);
    bus.open();
    const { url } = await gateway.listen();
    await tell({ type: 'listening', url });
  } catch (err) {
    await tell({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    await drain(1);
  }
}

/** Puts the config the supervisor read and validated in force (a worker still starting does so once it listens). */
async function reload(config: Config): Promise<ReloadOutcome> {
  await started;
  if (gateway === undefined || draining !== undefined) return { reloaded: false, problems: ['the worker is not serving'] };
  const outcome = await gateway.applyConfig(config);
  if (outcome.reloaded) drainTimeoutMs = config.shutdown.drainTimeoutMs;
  return outcome;
}

function drain(code: number): Promise<void> {
  draining ??= (async () => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), drainTimeoutMs + EXIT_GRACE_MS).unref();
    try {
      await gateway?.close();
    } finally {
      supervisor.close();
      if (process.connected) process.disconnect();
    }
  })();
  return draining;
}
