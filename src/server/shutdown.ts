import type { Server } from 'node:http';

/**
 * Graceful close: stop accepting, let in-flight requests finish (idle keep-alive sockets are closed at once),
 * and after `drainTimeoutMs` cut whatever is left.
 */
export function closeGracefully(server: Server, drainTimeoutMs: number): Promise<void> {
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
