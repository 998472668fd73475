import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RouteConfig } from '../config/types.ts';
import type { UpstreamPool } from '../upstream/pool.ts';
import type { UpstreamHeaderBuilder } from './request-headers.ts';
import { normalizeRequestTarget } from './normalize-path.ts';
import { checkRequestFraming } from './framing.ts';
import { resolveRequestId } from '../observability/request-id.ts';
import type { AuthResult, Identity } from '../auth/types.ts';
import { formatBearerChallenge } from '../auth/www-authenticate.ts';

export interface UpgradeDeps {
  match(path: string, method: string): { pool: UpstreamPool; route: RouteConfig } | undefined;
  buildUpstreamHeaders: UpstreamHeaderBuilder;
  connectTimeoutMs: number;
  /** Authentication for routes that require it: an upgrade is a request like any other. */
  authenticate: ((req: IncomingMessage, route: RouteConfig) => AuthResult | Promise<AuthResult>) | undefined;
  realm: string;
}

/**
 * `Upgrade` (WebSocket and others) pass-through (RFC 9110 §7.8): the request is routed like any other, sent to a
 * healthy target with the gateway's forwarding fields, and once the target answers, bytes flow both ways untouched.
 */
export interface UpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Cuts every open tunnel (the listener no longer tracks upgraded sockets, so shutdown must). */
  destroyAll(): void;
}

export function createUpgradeHandler(deps: UpgradeDeps): UpgradeHandler {
  const tunnels = new Set<Duplex>();
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const framing = checkRequestFraming(req.httpVersion, req.rawHeaders);
    const target = normalizeRequestTarget(req.url ?? '', req.method);
    if (!framing.ok || !target.ok) return refuse(socket, 400, 'Bad Request');
    const routed = deps.match(target.path, req.method ?? 'GET');
    if (routed === undefined) return refuse(socket, 404, 'Not Found');
    if (routed.route.auth !== 'none' && deps.authenticate !== undefined) {
      Promise.resolve(deps.authenticate(req, routed.route)).then(
        (result) => {
          if (result.ok) tunnel(req, socket, head, routed, target.path + target.query, result.identity);
          else refuse(socket, result.status, REFUSAL_TITLES[result.status], formatBearerChallenge(deps.realm, result));
        },
        () => refuse(socket, 500, 'Internal Server Error'),
      );
      return;
    }
    tunnel(req, socket, head, routed, target.path + target.query, undefined);
  };

  const tunnel = (req: IncomingMessage, socket: Duplex, head: Buffer, routed: { pool: UpstreamPool; route: RouteConfig }, path: string, identity: Identity | undefined): void => {
    const upstream = routed.pool.pick();
    if (upstream === undefined) return refuse(socket, 503, 'Service Unavailable');

    const headers = deps.buildUpstreamHeaders(req, resolveRequestId(req.headers['x-request-id']), identity);
    // The upgrade fields are hop-by-hop, so they were stripped; restore the ones this hop asks for.
    headers['connection'] = 'upgrade';
    headers['upgrade'] = req.headers.upgrade;
    const url = new URL(upstream.origin);
    const lines = [`${req.method} ${path} HTTP/1.1`];
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${item}`);
    }
    routed.pool.begin(upstream);
    const connection = net.connect({ host: url.hostname, port: Number(url.port || 80) });
    connection.setTimeout(deps.connectTimeoutMs, () => connection.destroy(new Error('connect timeout')));
    let released = false;
    const release = (outcome: 'ok' | 'connect-error'): void => {
      if (released) return;
      released = true;
      routed.pool.end(upstream, outcome);
    };
    connection.once('connect', () => {
      connection.setTimeout(0);
      connection.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length > 0) connection.write(head);
      connection.pipe(socket);
      socket.pipe(connection);
    });
    connection.on('error', () => {
      release('connect-error');
      if (!socket.destroyed && connection.bytesRead === 0) refuse(socket, 502, 'Bad Gateway');
      else socket.destroy();
    });
    // Either side finishing ends the tunnel: both sockets are half-open capable, and a lingering half keeps them alive.
    connection.on('end', () => socket.end());
    socket.on('end', () => connection.destroy());
    connection.on('close', () => { release('ok'); socket.destroy(); });
    tunnels.add(socket);
    socket.on('close', () => { tunnels.delete(socket); connection.destroy(); });
  };
  return {
    handle,
    destroyAll() {
      for (const socket of tunnels) socket.destroy();
    },
  };
}

const REFUSAL_TITLES = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' } as const;

function refuse(socket: Duplex, status: number, title: string, challenge?: string): void {
  const auth = challenge === undefined ? '' : `www-authenticate: ${challenge}\r\n`;
  socket.end(`HTTP/1.1 ${status} ${title}\r\n${auth}content-length: 0\r\nconnection: close\r\n\r\n`);
}
