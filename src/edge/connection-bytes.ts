import type { IncomingMessage } from 'node:http';
import type { Http2Session } from 'node:http2';
import type { Socket } from 'node:net';

/** Where a request's response is written: its socket, or over HTTP/2 its stream's session (streams share the socket). */
export type Connection = Socket | Http2Session;

/**
 * The connection of a request, taken when it arrives: Node lets go of a request's socket once its body is read,
 * and an HTTP/2 stream of its session once it closes, and the compatibility API's `req.socket` then reads nothing.
 */
export function connectionOf(req: IncomingMessage): Connection | null {
  return (req as { stream?: { session?: Http2Session } }).stream?.session ?? (req.socket as Socket | null);
}

/** The socket fields behind `bytesWritten`: bytes handed to the kernel, and a write waiting for the connect. */
interface SocketInternals {
  readonly _bytesDispatched?: unknown;
  readonly _pendingData?: unknown;
}

/** What the connection has written so far (HTTP/2: frames, as given to TLS); undefined once it is torn down. */
export function bytesWrittenBy(connection: Connection | null): number | undefined {
  if (connection === null) return undefined;
  // Nothing buffered or pending: what was dispatched is all `bytesWritten` would sum, and reading it spares
  // the copy of the write buffer that getter makes on every call.
  const dispatched = (connection as SocketInternals)._bytesDispatched;
  if (typeof dispatched === 'number' && (connection as Socket).writableLength === 0 && (connection as SocketInternals)._pendingData == null)
    return dispatched;
  try {
    const written = 'bytesWritten' in connection ? connection.bytesWritten : connection.socket?.bytesWritten;
    return typeof written === 'number' ? written : undefined;
  } catch {
    // A session already destroyed has no socket to read.
    return undefined;
  }
}
