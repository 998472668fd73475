import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { finished, type Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { RouteConfig, UpstreamConfig } from '../config/types.ts';
import type { Authenticator } from '../auth/authenticate.ts';
import type { AuthResult, Identity } from '../auth/types.ts';
import { formatBearerChallenge } from '../auth/www-authenticate.ts';
import { corsResponseHeaders } from '../auth/cors.ts';
import type { ProxyContext } from '../cache/context.ts';
import { formatCacheStatus } from '../cache/policy/cache-status.ts';
import type { Target, UpstreamPool } from '../upstream/pool.ts';
import { createRouteTable } from './route-table.ts';
import { resolveRequestId } from '../observability/request-id.ts';
import { sendProblem, type ProblemHeaders } from '../server/problem.ts';
import type { CachetErrorCode } from '../errors.ts';
import type { Exchange } from '../forward/exchange.ts';
import { checkRequestFraming } from './framing.ts';
import { normalizeRequestTarget } from './normalize-path.ts';
import { hasRequestBody } from './request-body.ts';
import { isIdempotentMethod, type HeaderRecord, type UpstreamResponse } from '../forward/upstream-request.ts';
import { sendUpstreamFailure, sendUpstreamResponse } from '../forward/respond.ts';
import { buildClientHeaders, flattenHeaders } from '../forward/response-headers.ts';
import { requestUpgrade, type UpgradeOutcome } from '../forward/upgrade-upstream.ts';
import { isAskedSwitch, selectUpgradeProtocols } from './upgrade-protocols.ts';
import { closeAfterAnswer, handBack, holdIncoming, splice, whenAnswersSent } from './upgrade-connection.ts';

export interface UpgradeDeps {
  readonly ctx: ProxyContext;
  readonly pools: ReadonlyMap<string, UpstreamPool>;
  readonly authenticator: Authenticator | undefined;
  /** Gives a connection back to the HTTP server (`server.emit('connection', socket)`), which parses what follows. */
  resumeHttp(socket: Duplex): void;
}

/**
 * `Upgrade` requests (WebSocket and others, RFC 9110 §7.8). The request is checked like any other (framing,
 * path, route, authentication) and must carry no content; it then goes to a target with the gateway's forwarding
 * fields. Only a 101 to a protocol the client asked for opens a tunnel, and only then do the bytes the client
 * sent behind the request reach the origin. Any other answer is relayed as an ordinary response and the
 * connection goes back to the HTTP parser, so the next request on it passes every check again.
 */
export interface UpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Cuts every connection this handler holds (tunnels, upgrades awaiting an answer): the listener no longer tracks them. */
  destroyAll(): void;
}

interface RoutedUpstream {
  readonly pool: UpstreamPool;
  readonly retries: number;
  readonly timeouts: UpstreamConfig['timeouts'];
}

type Release = () => Buffer;

export function createUpgradeHandler(deps: UpgradeDeps): UpgradeHandler {
  const { ctx, authenticator, resumeHttp } = deps;
  const { config } = ctx;
  const realm = config.auth?.realm ?? 'cachet';
  const table = createRouteTable(config.routes);
  const upstreamOf = new Map<RouteConfig, RoutedUpstream>();
  for (const route of config.routes) {
    const pool = deps.pools.get(route.upstream);
    const upstream = config.upstreams[route.upstream];
    if (pool === undefined || upstream === undefined) throw new Error(`route ${route.path} names unknown upstream ${route.upstream}`);
    upstreamOf.set(route, { pool, retries: upstream.retries, timeouts: upstream.timeouts });
  }
  /** Connections this handler owns: awaiting an answer, tunnelled, or closing; not those handed back. */
  const owned = new Set<Duplex>();

  function handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    owned.add(socket);
    socket.once('close', () => owned.delete(socket));
    socket.on('error', destroyOnError);
    whenAnswersSent(socket, () => admit(req, socket, head));
  }

  function admit(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (socket.destroyed) return;
    // Node armed the keep-alive timer for the previous answer; nothing else watches this socket now.
    (socket as Socket).setTimeout(0);
    const startedAt = performance.now();
    const requestId = resolveRequestId(req.headers['x-request-id']);
    const method = req.method ?? 'GET';
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    const refuse = (code: CachetErrorCode, detail: string, extra?: ProblemHeaders): void => {
      res.shouldKeepAlive = false;
      sendProblem(res, code, detail, { ...extra, 'x-request-id': requestId, connection: 'close' });
      res.once('finish', () => closeAfterAnswer(socket));
    };

    // RFC 9110 §7.8 defines Upgrade for HTTP/1.1 only; content on an upgrade request has no defined place once the
    // protocol switches (the origin might read it as the new protocol's first bytes), so it is refused.
    if (req.httpVersion !== '1.1') return refuse('CACHET_ERR_REQUEST_MALFORMED', 'Upgrade is only defined for HTTP/1.1.');
    const framing = checkRequestFraming(req.httpVersion, req.rawHeaders, false);
    if (!framing.ok) return refuse('CACHET_ERR_REQUEST_MALFORMED', framing.reason);
    if (hasRequestBody(req)) return refuse('CACHET_ERR_REQUEST_MALFORMED', 'An upgrade request cannot carry content.');
    const target = normalizeRequestTarget(req.url ?? '', method);
    if (!target.ok) return refuse('CACHET_ERR_REQUEST_PATH', target.reason);
    const match = table.match(target.path, method);
    if (match.kind === 'not-found') return refuse('CACHET_ERR_ROUTE_NOT_FOUND', 'No route matches this path.');
    if (match.kind === 'method-not-allowed') {
      return refuse('CACHET_ERR_ROUTE_METHOD', `${method} is not allowed here.`, { allow: match.allow.join(', ') });
    }

    const route = match.route;
    const cors = route.cors === undefined ? undefined : corsResponseHeaders(route.cors, req.headers.origin);
    const routed = upstreamOf.get(route) as RoutedUpstream;
    const path = target.path === '*' ? '*' : target.path + target.query;
    const proceed = (result: AuthResult): void => {
      if (!result.ok) {
        const challenge = formatBearerChallenge(realm, result);
        return refuse(result.code, result.description, challenge === undefined ? cors : { ...cors, 'www-authenticate': challenge });
      }
      const ex: Exchange = { req, res, method, path, route, pool: routed.pool, retries: routed.retries, requestId, startedAt, body: null, identity: result.identity, cors };
      forward(ex, routed, socket, head).catch((err: unknown) => {
        ctx.logger.error({ err, requestId }, 'upgrade failed');
        socket.destroy();
      });
    };
    if (route.auth === 'none' || authenticator === undefined) return proceed(ANONYMOUS);
    const auth = authenticator.authenticate(req, route);
    if (!(auth instanceof Promise)) return proceed(auth);
    auth.then(proceed, (err: unknown) => {
      ctx.logger.error({ err, requestId }, 'authentication failed unexpectedly');
      refuse('CACHET_ERR_INTERNAL', 'Authentication failed.', cors);
    });
  }

  async function forward(ex: Exchange, routed: RoutedUpstream, socket: Duplex, head: Buffer): Promise<void> {
    if (socket.destroyed) return;
    const release = holdIncoming(socket, head);
    const gone = new AbortController();
    const onGone = (): void => gone.abort();
    // A client that ends or drops its side before the answer is not waiting for one.
    socket.once('end', onGone);
    socket.once('close', onGone);
    const headers = ctx.buildUpstreamHeaders(ex.req, ex.requestId, ex.identity);
    // The upgrade fields are hop-by-hop, so they were stripped; restore the ones this hop asks for. With nothing
    // left to ask for (h2c only), the request goes as an ordinary one.
    const protocols = selectUpgradeProtocols(ex.req.headers.upgrade);
    if (protocols !== undefined) {
      headers['connection'] = 'upgrade';
      headers['upgrade'] = protocols;
    }
    const { target, outcome } = await dispatch(ex, routed, headers, gone.signal);
    socket.off('end', onGone);
    socket.off('close', onGone);

    if (gone.signal.aborted || socket.destroyed) {
      if (outcome.kind === 'switched') outcome.socket.destroy();
      else if (outcome.kind === 'answered') outcome.response.destroy();
      socket.destroy();
      return;
    }
    switch (outcome.kind) {
      case 'switched': {
        const upstream = outcome.socket;
        if (protocols === undefined || !isAskedSwitch(protocols, outcome.response.headers.upgrade)) {
          upstream.destroy();
          sendProblem(ex.res, 'CACHET_ERR_UPSTREAM_RESPONSE', 'The upstream switched to a protocol the client did not ask for.', { ...ex.cors, 'x-request-id': ex.requestId });
          return afterAnswer(ex, socket, release);
        }
        switchProtocols(ex, socket, release, outcome.response, upstream, outcome.head);
        return;
      }
      case 'answered': {
        const { response } = outcome;
        const status = response.statusCode ?? 502;
        // sendUpstreamResponse reads the body as a plain Readable (resume, pipe, destroy, readableEnded).
        const answer: UpstreamResponse = { ok: true, status, headers: response.headersDistinct, body: response as unknown as UpstreamResponse['body'], target: target as Target };
        sendUpstreamResponse(ctx, ex, answer, formatCacheStatus(config.cache.name, { hit: false, fwd: 'bypass', fwdStatus: status }));
        return afterAnswer(ex, socket, release);
      }
      case 'aborted':
        socket.destroy();
        return;
      default:
        sendUpstreamFailure(ex, outcome, formatCacheStatus(config.cache.name, { hit: false, fwd: 'bypass', detail: outcome.kind }));
        return afterAnswer(ex, socket, release);
    }
  }

  /** One attempt per target; a connect failure of an idempotent request (never with content here) tries another. */
  async function dispatch(ex: Exchange, routed: RoutedUpstream, headers: HeaderRecord, signal: AbortSignal): Promise<{ target: Target | undefined; outcome: UpgradeOutcome }> {
    const attempts = isIdempotentMethod(ex.method) ? 1 + routed.retries : 1;
    let tried: Set<Target> | undefined;
    let outcome: UpgradeOutcome = { ok: false, kind: 'unavailable', error: undefined };
    for (let attempt = 0; attempt < attempts; attempt++) {
      const target = ex.pool.pick(tried);
      if (target === undefined) break;
      ex.pool.begin(target);
      const startedAt = performance.now();
      outcome = await requestUpgrade(target, {
        method: ex.method,
        path: ex.path,
        headers,
        connectTimeoutMs: routed.timeouts.connectMs,
        responseTimeoutMs: routed.timeouts.responseMs,
        signal,
      });
      const spent = (performance.now() - startedAt) / 1000;
      if (outcome.kind === 'switched') {
        ctx.metrics.recordUpstream(ex.pool.name, target.url, 'ok', spent);
        outcome.socket.once('close', () => ex.pool.end(target, 'ok'));
        return { target, outcome };
      }
      if (outcome.kind === 'answered') {
        ctx.metrics.recordUpstream(ex.pool.name, target.url, 'ok', spent);
        const { response, close } = outcome;
        // 'end' or a failure, whichever comes: the response's own 'close' waits for a connection that is kept.
        finished(response, (err) => {
          close();
          ex.pool.end(target, err === undefined || err === null ? 'ok' : 'error');
        });
        return { target, outcome };
      }
      const failure = outcome.kind === 'connect' ? 'connect-error' : outcome.kind === 'timeout' ? 'timeout' : 'error';
      ex.pool.end(target, failure);
      ctx.metrics.recordUpstream(ex.pool.name, target.url, failure, spent);
      if (outcome.kind !== 'connect') break;
      (tried ??= new Set()).add(target);
    }
    return { target: undefined, outcome };
  }

  /** 101: the origin's head goes to the client, then the held bytes to the origin; from here on bytes flow untouched. */
  function switchProtocols(ex: Exchange, socket: Duplex, release: Release, response: IncomingMessage, upstream: Duplex, upstreamHead: Buffer): void {
    ex.res.detachSocket(socket as Socket);
    socket.write(formatSwitchingHead(response, ex.requestId), 'latin1');
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    const early = release();
    if (early.length > 0) upstream.write(early);
    splice(socket, upstream);
    ctx.metrics.recordRequest(ex.route.path, ex.method, 101, 'bypass', (performance.now() - ex.startedAt) / 1000);
  }

  /** Once an answer other than 101 is out, the connection goes back to the HTTP parser (or closes, if asked to). */
  function afterAnswer(ex: Exchange, socket: Duplex, release: Release): void {
    const wantsClose = hasCloseOption(ex.req.headers.connection);
    if (wantsClose) ex.res.shouldKeepAlive = false;
    ex.res.once('finish', () => {
      const status = ex.res.statusCode;
      ctx.metrics.recordRequest(ex.route.path, ex.method, status, status >= 500 ? 'error' : 'bypass', (performance.now() - ex.startedAt) / 1000);
      ex.res.detachSocket(socket as Socket);
      const early = release();
      if (wantsClose || socket.destroyed) return closeAfterAnswer(socket);
      socket.off('error', destroyOnError);
      owned.delete(socket);
      handBack(socket, early, resumeHttp);
    });
  }

  function formatSwitchingHead(response: IncomingMessage, requestId: string): string {
    const headers = buildClientHeaders(response.headersDistinct, { via: config.proxy.via, forwardTagHeaders: config.cache.forwardTagHeaders });
    headers['connection'] = 'upgrade';
    headers['upgrade'] = response.headersDistinct['upgrade'];
    headers['x-request-id'] = requestId;
    const flat = flattenHeaders(headers);
    let head = 'HTTP/1.1 101 Switching Protocols\r\n';
    for (let i = 0; i + 1 < flat.length; i += 2) head += `${flat[i]}: ${flat[i + 1]}\r\n`;
    return `${head}\r\n`;
  }

  return {
    handle,
    destroyAll() {
      for (const socket of owned) socket.destroy();
    },
  };
}

const ANONYMOUS: AuthResult = Object.freeze({ ok: true, identity: undefined as Identity | undefined });


function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** RFC 9112 §9.6: `close` among the Connection options. */
function hasCloseOption(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(',').some((option) => option.trim().toLowerCase() === 'close');
}
