import type { Server } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { CachetError } from '../errors.ts';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /**
   * SO_REUSEPORT: several processes listen on the same port, each on its own socket, and the kernel spreads
   * new connections over them (Linux 3.9+, FreeBSD 12+). In a cluster worker this also bypasses the primary.
   */
  readonly reusePort?: boolean;
  /** Bind a socket of this process's own even in a cluster worker (what a supervisor probing a port needs). */
  readonly exclusive?: boolean;
}

/**
 * Starts `server` listening; resolves with its URL (`http://127.0.0.1:8080`, `https://` over TLS, IPv6 in brackets).
 *
 * @throws {CachetError} `CACHET_ERR_LISTEN` naming the address and why (in use, not allowed).
 */
export function listenOn(server: Server, options: ListenOptions): Promise<string> {
  const { host, port } = options;
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const reason = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new CachetError('CACHET_ERR_LISTEN', `cannot listen on ${host}:${port}: ${reason}`, { cause: err }));
    };
    server.once('error', onError);
    const extra = {
      ...(options.reusePort === true ? { reusePort: true } : {}),
      ...(options.exclusive === true ? { exclusive: true } : {}),
    };
    server.listen({ port, host, ...extra }, () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`${server instanceof TlsServer ? 'https' : 'http'}://${shownHost}:${address.port}`);
    });
  });
}
