import type { Socket } from 'node:net';
import { Client, type buildConnector, type Dispatcher } from 'undici';

/**
 * An HTTP/1.1 client cannot tell an origin's unsolicited response, arriving after the next request was written,
 * from the answer to that request: every later request on the connection then gets the previous one's answer.
 * The desync only shows later: bytes on an idle connection (undici closes it, "bad response") or a parse error.
 * Each upstream connection is therefore a `ConnectionTerm`: what a response read from it feeds to the cache is
 * tracked there, and taken back when the connection proves desynced.
 */

/** What a term needs from its socket: the error it was destroyed with (set synchronously) and its close. */
export interface TermSocket {
  readonly errored: Error | null;
  once(event: 'close', listener: () => void): unknown;
}

export interface DesyncReport {
  /** The evidence: undici's error when it dropped the connection. */
  readonly error: Error;
  /** How many tracked cache entries were taken back. */
  readonly revoked: number;
}

/** Stored entries a term remembers at most; past it the oldest half is forgotten (a long-lived busy connection). */
export const MAX_TRACKED = 4096;

/**
 * Whether the error a connection was destroyed with shows that it fell out of step with its origin: undici's
 * "bad response" (bytes while no request was running, or a 100 Continue nobody asked for), "bad upgrade", or a
 * parse error (the next answer did not start where the last one ended, RFC 9112 §6.3). A close, a reset, a
 * timeout or a body cut short (Content-Length mismatch) ends the connection without any response being taken
 * for another request's, so none of them is evidence.
 */
export function isDesyncEvidence(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (code === 'UND_ERR_SOCKET') return err.message === 'bad response' || err.message === 'bad upgrade';
  return err.name === 'HTTPParserError' || (typeof code === 'string' && code.startsWith('HPE_'));
}

/** One upstream connection, from connect to close. */
export class ConnectionTerm {
  readonly #socket: TermSocket;
  readonly #report: (report: DesyncReport) => void;
  #revocations: Array<() => void> = [];
  #state: 'open' | 'clean' | 'desynced' = 'open';

  constructor(socket: TermSocket, report: (report: DesyncReport) => void) {
    this.#socket = socket;
    this.#report = report;
    socket.once('close', () => this.#close());
  }

  /**
   * True once the connection showed desync evidence, including an anomaly undici met in the read that ended the
   * last response (it destroys the socket at once; the close comes later).
   */
  get isDesynced(): boolean {
    return this.#state === 'desynced' || (this.#state === 'open' && isDesyncEvidence(this.#socket.errored));
  }

  /**
   * Remembers how to take back something a response from this connection fed to the cache; `revoke` runs if the
   * connection later proves desynced (at once if it already has). A clean close forgets it: every response the
   * connection carried was then its request's own.
   */
  track(revoke: () => void): void {
    if (this.#state === 'clean') return;
    if (this.isDesynced) {
      revoke();
      return;
    }
    if (this.#revocations.length >= MAX_TRACKED) this.#revocations.splice(0, MAX_TRACKED / 2);
    this.#revocations.push(revoke);
  }

  #close(): void {
    const error = this.#socket.errored;
    const revocations = this.#revocations;
    this.#revocations = [];
    if (!isDesyncEvidence(error)) {
      this.#state = 'clean';
      return;
    }
    this.#state = 'desynced';
    for (const revoke of revocations) revoke();
    this.#report({ error, revoked: revocations.length });
  }
}

/**
 * A request's ticket to learn which connection answered it: passed as undici's `opaque`, it is stamped with the
 * client (one connection at a time) that takes the request. Read `term` once the response head is in.
 */
export class ConnectionTag {
  client: { readonly term: ConnectionTerm | undefined } | undefined = undefined;

  get term(): ConnectionTerm | undefined {
    return this.client?.term;
  }
}

/** An undici `Client` that opens a `ConnectionTerm` per connection and stamps tagged requests. */
class GuardedClient extends Client {
  term: ConnectionTerm | undefined = undefined;

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const tag = (options as { opaque?: unknown }).opaque;
    if (tag instanceof ConnectionTag) tag.client = this;
    return super.dispatch(options, handler);
  }
}

/**
 * Watches the connections of one target's `Pool`: pass `factory` as the Pool's `factory` option. Listeners hear
 * of every connection found desynced (it is already closed, and what it fed to the cache taken back).
 */
export class ConnectionGuard {
  readonly #listeners: Array<(report: DesyncReport) => void> = [];
  readonly #report = (report: DesyncReport): void => {
    for (const listener of this.#listeners) listener(report);
  };

  /** Must not throw. */
  onDesync(listener: (report: DesyncReport) => void): void {
    this.#listeners.push(listener);
  }

  readonly factory = (origin: URL, options: object): Dispatcher => {
    const connect = (options as { connect?: unknown }).connect;
    // A Pool always hands its clients a built connector; anything else is not watched.
    if (typeof connect !== 'function') return new Client(origin, options);
    const build = connect as buildConnector.connector;
    const client: GuardedClient = new GuardedClient(origin, {
      ...options,
      connect: (connectOptions: buildConnector.Options, callback: buildConnector.Callback) => {
        build(connectOptions, (err, socket) => {
          if (err === null) {
            client.term = new ConnectionTerm(socket as Socket, this.#report);
            callback(null, socket as Socket);
          } else {
            callback(err, null);
          }
        });
      },
    });
    return client;
  };
}
