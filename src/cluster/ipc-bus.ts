/**
 * The invalidation bus between the workers of one supervisor, over their IPC channels. The supervisor is the
 * hub: a message one worker publishes is delivered to every other worker, and the publisher's call is answered
 * once each has applied it. The supervisor publishes too (admin purges and revocations).
 */
import { CachetError } from '../errors.ts';
import type { BusHandler, BusMessage, InvalidationBus } from '../bus/types.ts';
import type { IpcPeer } from './ipc-peer.ts';
import { CALL_TIMEOUT_MS, type SupervisorCall, type WorkerCall } from './protocol.ts';

/** The supervisor's end: the workers that receive messages, by worker id. */
export interface IpcHub extends InvalidationBus {
  /** `peer` receives every message published from now on. */
  join(workerId: number, peer: IpcPeer): void;
  leave(workerId: number): void;
  /** Delivers a message worker `from` published to every other worker; answers their purged count. */
  relay(message: BusMessage, from: number): Promise<number>;
}

export function createIpcHub(): IpcHub {
  const members = new Map<number, IpcPeer>();
  let handler: BusHandler = () => 0;

  const deliver = async (message: BusMessage, except: number | undefined): Promise<number> => {
    const call: SupervisorCall = { type: 'deliver', message };
    const answers = [...members]
      .filter(([id]) => id !== except)
      .map(async ([id, peer]) => ({ id, outcome: await peer.call(call, CALL_TIMEOUT_MS) }));
    let total = 0;
    for (const { id, outcome } of await Promise.all(answers)) {
      if (outcome.ok) total += typeof outcome.value === 'number' ? outcome.value : 0;
      // A worker that exited took its memory with it; its replacement starts empty and is sent the revocations.
      else if (outcome.reason !== 'closed')
        throw new CachetError('CACHET_ERR_BUS_UNCONFIRMED', `worker ${id} did not confirm the ${message.kind}: ${outcome.message}`);
    }
    return total;
  };

  return {
    join(workerId, peer) {
      members.set(workerId, peer);
    },
    leave(workerId) {
      members.delete(workerId);
    },
    async relay(message, from) {
      const [own, others] = await Promise.all([handler(message), deliver(message, from)]);
      return own + others;
    },
    publish(message) {
      return deliver(message, undefined);
    },
    subscribe(next) {
      handler = next;
    },
  };
}

/** A worker's end: publishes through the supervisor and applies what it delivers. */
export interface IpcMemberBus extends InvalidationBus {
  /**
   * Applies a message the supervisor delivered. Before `open` the worker holds no response yet, so a purge or an
   * invalidation has nothing to do and is answered at once (a purge does not wait on a worker starting up);
   * revocations are held, in order, until `open`.
   */
  deliver(message: BusMessage): Promise<number>;
  /**
   * Starts applying deliveries. The worker opens after applying the state it was started with, so a change
   * made after that snapshot (a revocation removed) is never overtaken by the snapshot.
   */
  open(): void;
}

export function createIpcMemberBus(supervisor: IpcPeer): IpcMemberBus {
  let handler: BusHandler = () => 0;
  let isOpen = false;
  let resolveOpened: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    resolveOpened = resolve;
  });
  return {
    async publish(message) {
      const call: WorkerCall = { type: 'publish', message };
      // The supervisor waits up to CALL_TIMEOUT_MS for each worker; give it that, and a little more to answer.
      const outcome = await supervisor.call(call, CALL_TIMEOUT_MS + 1000);
      if (outcome.ok) return typeof outcome.value === 'number' ? outcome.value : 0;
      throw new CachetError('CACHET_ERR_BUS_UNCONFIRMED', `the other workers did not confirm the ${message.kind}: ${outcome.message}`);
    },
    subscribe(next) {
      handler = next;
    },
    async deliver(message) {
      if (!isOpen) {
        if (message.kind === 'purge' || message.kind === 'invalidate') return 0;
        await opened;
      }
      return handler(message);
    },
    open() {
      isOpen = true;
      resolveOpened();
    },
  };
}
