import cluster, { type Worker } from 'node:cluster';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIpcPeer, type IpcChannel, type IpcPeer } from './ipc-peer.ts';
import type { SupervisorNote, WorkerNote } from './protocol.ts';

/** The worker module beside this one: `.ts` in a checkout, `.js` in the built package. */
const WORKER_MODULE = fileURLToPath(new URL(`./worker${extname(import.meta.filename)}`, import.meta.url));

/** How one worker process ended. */
export interface WorkerExit {
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: string | null;
  /** Whether it had accepted connections before it exited. */
  readonly listened: boolean;
  readonly livedMs: number;
  /** One line for people: the worker's own start-up error, else its exit code or signal. */
  readonly reason: string;
}

/** What a slot tells the supervisor. */
export interface SlotHooks {
  /** The worker reads its channel: the supervisor joins it to the bus and sends `start`. */
  joined(slot: WorkerSlot, peer: IpcPeer): void;
  /** A call from the worker (a bus message it publishes). */
  called(slot: WorkerSlot, body: unknown): unknown;
  listening(slot: WorkerSlot): void;
  exited(slot: WorkerSlot, exit: WorkerExit): void;
}

/**
 * Prepares `node:cluster` for forking workers. Must run before the first `fork`. Messages use the structured
 * clone serialization (a config holds values JSON would lose).
 */
export function setUpWorkerForks(): void {
  cluster.setupPrimary({ exec: WORKER_MODULE, args: [], serialization: 'advanced' });
}

/**
 * One worker position of an instance: the process in it now, its IPC peer, and whether it listens. A slot
 * outlives its processes; the supervisor starts a replacement in it after one exits.
 */
export class WorkerSlot {
  readonly id: number;
  /** Consecutive replacements that died before listening; the supervisor gives up past a bound. */
  startFailures = 0;
  /** Consecutive exits soon after start, which lengthen the wait before the next replacement. */
  quickExits = 0;
  restartTimer: NodeJS.Timeout | undefined;
  readonly #hooks: SlotHooks;
  #worker: Worker | undefined;
  /** The worker's channel from the fork on. */
  #channel: IpcPeer | undefined;
  /** The same channel, exposed once the worker said hello. */
  #peer: IpcPeer | undefined;
  #listening = false;
  #url: string | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(id: number, hooks: SlotHooks) {
    this.id = id;
    this.#hooks = hooks;
  }

  get pid(): number | undefined {
    return this.#worker?.process.pid;
  }

  get isListening(): boolean {
    return this.#listening;
  }

  get url(): string | undefined {
    return this.#url;
  }

  /** The channel to the worker, once it has said hello and until it exits. */
  get peer(): IpcPeer | undefined {
    return this.#peer;
  }

  /** Forks a worker into this slot. */
  start(): void {
    const worker = cluster.fork();
    const peer = createIpcPeer(worker as unknown as IpcChannel);
    const startedAt = Date.now();
    let failure: string | undefined;
    this.#worker = worker;
    this.#channel = peer;
    this.#listening = false;
    peer.onCall((body) => this.#hooks.called(this, body));
    peer.onNotify((body) => {
      const note = body as WorkerNote;
      if (note.type === 'hello') {
        this.#peer = peer;
        this.#hooks.joined(this, peer);
      } else if (note.type === 'listening') {
        this.#listening = true;
        this.#url = note.url;
        this.#hooks.listening(this);
      } else failure = note.message;
    });
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (code: number | null, signal: string | null) => {
        const listened = this.#listening;
        peer.close();
        this.#worker = undefined;
        this.#channel = undefined;
        this.#peer = undefined;
        this.#listening = false;
        const reason = failure ?? (signal === null ? `exited with code ${code}` : `killed by ${signal}`);
        this.#hooks.exited(this, { pid: worker.process.pid, code, signal, listened, livedMs: Date.now() - startedAt, reason });
        resolve();
      });
    });
  }

  /**
   * Tells the worker to drain and resolves once it has exited; past `deadlineMs` it is killed. Resolves at
   * once when the slot is empty.
   */
  stop(deadlineMs: number): Promise<void> {
    clearTimeout(this.restartTimer);
    const worker = this.#worker;
    if (worker === undefined) return Promise.resolve();
    const drain: SupervisorNote = { type: 'drain' };
    // A worker that has not said hello yet reads the note first thing; one that cannot be written to is killed.
    if (worker.isConnected()) void this.#channel?.notify(drain);
    else worker.process.kill('SIGKILL');
    const kill = setTimeout(() => worker.process.kill('SIGKILL'), deadlineMs);
    return this.#exited.finally(() => clearTimeout(kill));
  }

  /** Ends the worker now (the supervisor is exiting without draining). */
  kill(): void {
    this.#worker?.process.kill('SIGKILL');
  }
}
