import net from 'node:net';

export interface RawOptions {
  /** End our side once the peer has been quiet this long (for answers that keep the connection open). */
  readonly quietMs?: number;
  /** Give up (and destroy the connection) after this long: `closed` is then false. */
  readonly waitMs?: number;
  /** Half-close right after writing the payload (RFC 9112 §9.6). */
  readonly halfClose?: boolean;
  /** How a string payload becomes bytes (default utf8). */
  readonly encoding?: BufferEncoding;
  /** Sees the bytes received so far and may write more. */
  readonly onData?: (text: string, socket: net.Socket) => void;
}

export interface RawAnswer {
  /** Everything received, as latin1 (byte for byte). */
  readonly text: string;
  /** The peer closed the connection (or went quiet, with `quietMs`) before `waitMs`. */
  readonly closed: boolean;
  readonly elapsedMs: number;
}

/**
 * Writes raw bytes on one connection to `url`'s port and collects everything received until the peer closes,
 * goes quiet (`quietMs`) or `waitMs` passes. The tests' one way to send what a well-behaved client would not.
 */
export function rawConnection(url: string, payload: string | Buffer, options: RawOptions = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    let text = '';
    let closed = false;
    let quietTimer: NodeJS.Timeout | undefined;
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(typeof payload === 'string' ? Buffer.from(payload, options.encoding ?? 'utf8') : payload);
      if (options.halfClose === true) socket.end();
      armQuiet();
    });
    const giveUp = setTimeout(() => socket.destroy(), options.waitMs ?? 5000);
    function armQuiet(): void {
      if (options.quietMs === undefined) return;
      clearTimeout(quietTimer);
      quietTimer = setTimeout(() => {
        closed = true;
        socket.end();
      }, options.quietMs);
    }
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      armQuiet();
      options.onData?.(text, socket);
    });
    socket.on('end', () => {
      closed = true;
    });
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearTimeout(quietTimer);
      resolve({ text, closed: closed || socket.readableEnded, elapsedMs: performance.now() - startedAt });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') closed = true;
      else reject(err);
    });
  });
}

/** Writes raw bytes to `url`'s port and answers everything received until the peer closes or goes quiet. */
export async function rawExchange(url: string, payload: string | Buffer, quietMs = 250): Promise<string> {
  return (await rawConnection(url, payload, { quietMs })).text;
}
