import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Responses on one HTTP/1.1 connection go out in request order (RFC 9112 §9.3.2). Node keeps the
 * response to a pipelined request queued (`res.socket === null`) until the one before it has finished,
 * then makes it the active one and emits `'socket'`. Anything that touches the connection on a
 * response's behalf (ending it, an interim 100) must wait for that turn, or it lands in the middle of an
 * earlier response or cuts it off.
 */

/** The per-connection fields of Node's HTTP server read here (Node is pinned to 24, see package.json). */
interface ServerSocket {
  /** The response being written now; the next queued one is assigned before `'finish'` listeners run. */
  _httpMessage?: ServerResponse | null;
  /** The request being parsed, or the last one parsed (null once it was read and answered). */
  parser?: { incoming: IncomingMessage | null } | null;
}

interface ContinueState {
  /** Set by Node for `Expect: 100-continue`; a final head without a 100 then closes the connection. */
  _expect_continue: boolean;
}

/**
 * Ends the connection of a response that cannot be completed (its body failed midway), so neither the
 * client nor the gateway waits for the rest. `destroy()` on a queued response leaves the socket alone:
 * the connection is then destroyed when the response's turn comes, after every earlier response was
 * written out in full.
 */
export function abortResponse(res: ServerResponse): void {
  if (res.socket === null && !res.writableFinished) res.once('socket', destroySocket);
  res.destroy();
}

function destroySocket(socket: Duplex): void {
  socket.destroy();
}

/**
 * Sends `100 Continue` for a request that asked for it, at its response's turn and only if the client
 * is still waiting: only to an HTTP/1.1 or HTTP/2 client (RFC 9110 §15.2), and only while no body has arrived
 * (RFC 9110 §10.1.1). Written early on a queued response, the 100 would follow the final head Node
 * puts in front of it, and the client would read it as body.
 */
export function writeContinueInTurn(req: IncomingMessage, res: ServerResponse): void {
  // HTTP/2 has no pipelining: each stream's 100 goes out at once (RFC 9113 §8.1).
  if (req.httpVersionMajor === 2) {
    if (!res.headersSent && !hasBodyStarted(req)) res.writeContinue();
    return;
  }
  if (req.httpVersion !== '1.1') return;
  if (res.socket !== null) {
    writeContinueIfAwaited(req, res);
    return;
  }
  // A body that arrives in full while the response is queued may be answered before its turn.
  req.once('end', () => expectNoContinue(res));
  res.once('socket', () => writeContinueIfAwaited(req, res));
}

function writeContinueIfAwaited(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent || res.destroyed) return;
  if (hasBodyStarted(req)) expectNoContinue(res);
  else res.writeContinue();
}

/**
 * The client sent the body without waiting for a 100, so its framing is known: the connection need
 * not close for want of a 100 (Node closes it when a final head follows an unanswered expectation).
 */
function expectNoContinue(res: ServerResponse): void {
  (res as unknown as ContinueState)._expect_continue = false;
}

function hasBodyStarted(req: IncomingMessage): boolean {
  return req.complete || req.readableLength > 0 || req.readableDidRead;
}

/**
 * Calls `answer` once every response before the failed request has been written, for an answer the
 * gateway writes to the connection itself (a request Node's parser refused). A request whose body the
 * failure cut short gets no response of its own: the answer takes its turn, and `answer(false)` says
 * that response had already started, so nothing coherent can follow it.
 */
export function afterEarlierResponses(socket: Duplex, answer: (canWrite: boolean) => void): void {
  const server = socket as unknown as ServerSocket;
  const parsing = server.parser?.incoming;
  const cutShort = parsing != null && !parsing.complete ? parsing : undefined;
  const next = (): void => {
    const active = server._httpMessage;
    if (active == null) answer(true);
    else if (active.req === cutShort) answer(!active.headersSent);
    else active.once('finish', next);
  };
  next();
}

/** Sockets whose last response is decided (`Connection: close`): Node may already have parsed requests behind it. */
const closingSockets = new WeakSet<object>();

/**
 * Makes `res` the connection's last response. It may still be queued behind earlier pipelined responses,
 * which are written first (RFC 9112 §9.3.2); Node closes the connection once it is written. Requests
 * pipelined behind it must not be acted on: see {@link isClosing}.
 */
export function closeAfter(res: ServerResponse): void {
  res.shouldKeepAlive = false;
  closingSockets.add(res.req.socket);
}

/** A response on this connection was made its last: later requests on it are dropped unanswered. */
export function isClosing(socket: object): boolean {
  return closingSockets.has(socket);
}
