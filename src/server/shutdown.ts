/** What a drain needs of a listener: node:http's, or the TLS one (`secure-listener.ts`). */
export interface DrainableServer {
  readonly listening: boolean;
  close(callback: () => void): unknown;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/**
 * Graceful close: stop accepting, let in-flight requests finish (idle keep-alive sockets are closed at once),
 * and after `drainTimeoutMs` cut whatever is left.
 */
export function closeGracefully(server: DrainableServer, drainTimeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
