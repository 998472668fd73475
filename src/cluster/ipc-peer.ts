/**
 * Requests and answers over a process IPC channel (`process` in a worker, a `cluster.Worker` in the
 * supervisor). Node's channel carries one-way messages only; this adds ids, answers and a deadline, so the
 * supervisor can ask a worker to apply a purge and know when it has.
 */

/** The part of `process` and `cluster.Worker` the peer uses. */
export interface IpcChannel {
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** How a call ended: an answer, an error the other side threw, no answer in time, or the channel closed. */
export type CallOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'error' | 'timeout' | 'closed'; readonly message: string };

export interface IpcPeer {
  /** Asks the other side; a call the other side leaves unanswered ends after `timeoutMs`. */
  call(body: unknown, timeoutMs: number): Promise<CallOutcome>;
  /** A one-way message; resolves once it is written (or dropped: the channel is closed). */
  notify(body: unknown): Promise<void>;
  /** Answers the other side's calls (a thrown error or rejection goes back as its message). */
  onCall(handler: (body: unknown) => unknown): void;
  onNotify(handler: (body: unknown) => void): void;
  /** The other side is gone: pending calls end as `closed` and no more messages are read. */
  close(): void;
}

type Envelope =
  | { readonly cachet: 'call'; readonly id: number; readonly body: unknown }
  | { readonly cachet: 'answer'; readonly id: number; readonly value: unknown }
  | { readonly cachet: 'failure'; readonly id: number; readonly message: string }
  | { readonly cachet: 'note'; readonly body: unknown };

interface Pending {
  readonly resolve: (outcome: CallOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

const CLOSED: CallOutcome = { ok: false, reason: 'closed', message: 'the process is gone' };

/** Wraps `channel`; messages that are not the peer's own (Node's cluster internals, other libraries) are ignored. */
export function createIpcPeer(channel: IpcChannel): IpcPeer {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;
  let callHandler: (body: unknown) => unknown = () => {
    throw new Error('no handler for this call');
  };
  let noteHandler: (body: unknown) => void = () => undefined;

  const post = (envelope: Envelope, written?: () => void): boolean => {
    if (closed) return false;
    try {
      return channel.send(envelope, written);
    } catch {
      // ERR_IPC_CHANNEL_CLOSED: the other side exited; its 'exit' closes this peer.
      return false;
    }
  };

  const answer = async (id: number, body: unknown): Promise<void> => {
    try {
      post({ cachet: 'answer', id, value: await callHandler(body) });
    } catch (err) {
      post({ cachet: 'failure', id, message: err instanceof Error ? err.message : String(err) });
    }
  };

  const settle = (id: number, outcome: CallOutcome): void => {
    const call = pending.get(id);
    if (call === undefined) return;
    pending.delete(id);
    clearTimeout(call.timer);
    call.resolve(outcome);
  };

  const onMessage = (message: unknown): void => {
    if (!isEnvelope(message)) return;
    switch (message.cachet) {
      case 'call':
        void answer(message.id, message.body);
        return;
      case 'answer':
        settle(message.id, { ok: true, value: message.value });
        return;
      case 'failure':
        settle(message.id, { ok: false, reason: 'error', message: message.message });
        return;
      case 'note':
        noteHandler(message.body);
        return;
    }
  };
  channel.on('message', onMessage);

  return {
    call(body, timeoutMs) {
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(
          () => settle(id, { ok: false, reason: 'timeout', message: `no answer within ${timeoutMs} ms` }),
          timeoutMs,
        );
        timer.unref();
        pending.set(id, { resolve, timer });
        if (!post({ cachet: 'call', id, body })) settle(id, CLOSED);
      });
    },
    notify(body) {
      return new Promise((resolve) => {
        if (!post({ cachet: 'note', body }, resolve)) resolve();
      });
    },
    onCall(handler) {
      callHandler = handler;
    },
    onNotify(handler) {
      noteHandler = handler;
    },
    close() {
      if (closed) return;
      closed = true;
      channel.off('message', onMessage);
      for (const id of [...pending.keys()]) settle(id, CLOSED);
    },
  };
}

function isEnvelope(message: unknown): message is Envelope {
  if (message === null || typeof message !== 'object') return false;
  const kind = (message as { cachet?: unknown }).cachet;
  return kind === 'call' || kind === 'answer' || kind === 'failure' || kind === 'note';
}
