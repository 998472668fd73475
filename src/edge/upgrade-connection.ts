import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Held bytes past which the client is no longer read (backpressure, not an error) until the origin answers. */
const HELD_HIGH_WATER_BYTES = 64 * 1024;
/** How long a refused client may take to close its side before the gateway cuts the connection. */
const LINGER_MS = 2000;

/**
 * Runs `then` once Node has answered every request pipelined ahead of the upgrade on this socket: Node keeps
 * writing those answers after handing the socket over, and responses go out in request order (RFC 9112 §9.3.2).
 * Node hands the socket to the next queued response in its own `finish` listener, which runs before ours.
 *
 * Node also stops passing the socket's `drain` on to its responses when it hands the socket over, so an answer
 * larger than the socket's buffer would stall halfway; it is passed on here until the last one is written.
 */
export function whenAnswersSent(socket: Duplex, then: () => void): void {
  if (answerInProgress(socket) === undefined) return then();
  const passDrain = (): void => {
    const answer = answerInProgress(socket);
    if (answer?.writableNeedDrain === true) answer.emit('drain');
  };
  socket.on('drain', passDrain);
  const next = (): void => {
    const answer = answerInProgress(socket);
    if (answer !== undefined) {
      answer.once('finish', next);
      return;
    }
    socket.off('drain', passDrain);
    then();
  };
  next();
}

function answerInProgress(socket: Duplex): ServerResponse | undefined {
  return (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

/**
 * Reads and holds whatever the client sends while the upgrade request is out (`head` is what Node read past the
 * request head already). Nothing is forwarded: held bytes go to the origin only after a 101, or back to the HTTP
 * parser otherwise. Returns `release`, which stops reading and hands the bytes over.
 */
export function holdIncoming(socket: Duplex, head: Buffer): () => Buffer {
  const held: Buffer[] = head.length > 0 ? [head] : [];
  let heldBytes = head.length;
  const onData = (chunk: Buffer): void => {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes >= HELD_HIGH_WATER_BYTES) socket.pause();
  };
  socket.on('data', onData);
  return () => {
    socket.off('data', onData);
    socket.pause();
    return held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held);
  };
}

/**
 * Gives the connection back to the HTTP server after an answer other than 101: the held bytes are put back in
 * front of the socket's stream, and `resumeHttp` attaches a fresh parser, so whatever follows is a new request
 * with every check applied. Node only lets a parser consume the socket handle directly once per socket, so the
 * new parser reads through the stream, unshifted bytes included.
 */
export function handBack(socket: Duplex, held: Buffer, resumeHttp: (socket: Duplex) => void): void {
  if (held.length > 0) socket.unshift(held);
  resumeHttp(socket);
  socket.resume();
}

/**
 * Splices the client and the upstream connection. An orderly end is passed on (half-close); once the upstream
 * is gone the client's side is ended and then closed, and a client that goes away takes the upstream with it.
 */
export function splice(client: Duplex, upstream: Duplex): void {
  upstream.pipe(client);
  client.pipe(upstream);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  upstream.on('close', () => endThenDestroy(client));
  client.on('close', () => upstream.destroy());
}

/**
 * Closes a connection after its last answer: the gateway's side ends, the client's unread bytes are read and
 * dropped (closing with unread input resets the connection and can lose the answer), and the socket goes once
 * the client closes too, or after a short linger.
 */
export function closeAfterAnswer(socket: Duplex): void {
  if (socket.destroyed) return;
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
  socket.once('end', () => socket.destroy());
  socket.resume();
  socket.end();
}

function endThenDestroy(socket: Duplex): void {
  if (socket.destroyed) return;
  if (socket.writableFinished) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end();
}
