import net from 'node:net';

/** Writes raw bytes to `url`'s port and answers everything received until the peer closes or goes quiet. */
export function rawExchange(url: string, payload: string | Buffer, quietMs = 250): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(payload));
    let data = '';
    let timer = setTimeout(() => socket.end(), quietMs);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(() => socket.end(), quietMs);
    });
    socket.on('close', () => { clearTimeout(timer); resolve(data); });
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
  });
}
