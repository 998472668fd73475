import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { CorsConfig, RouteConfig } from '../config/types.ts';
import type { AuthRefusal, AuthResult, Identity } from '../auth/types.ts';
import type { Authenticator } from '../auth/authenticate.ts';
import { formatBearerChallenge } from '../auth/www-authenticate.ts';
import { answerPreflight, corsResponseHeaders, isPreflight } from '../auth/cors.ts';
import type { ProxyContext } from '../cache/context.ts';
import type { UpstreamPool } from '../upstream/pool.ts';
import type { Exchange } from '../forward/exchange.ts';
import { handleCacheable, type CacheLabel } from '../cache/cache-handler.ts';
import { forwardUncached } from '../forward/pass-through.ts';
import { checkRequestFraming } from './framing.ts';
import { normalizeRequestTarget } from './normalize-path.ts';
import { createRouteTable } from './route-table.ts';
import { resolveRequestId } from '../observability/request-id.ts';
import { hasRequestBody, limitRequestBody, type BodyLimiter } from './request-body.ts';
import { parseContentLength } from '../cache/origin-fetch.ts';
import { sendProblem } from '../server/problem.ts';
import type { CachetErrorCode } from '../errors.ts';
import { abortResponse, closeAfter, isClosing, writeContinueInTurn } from '../server/pipeline.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

interface RoutedUpstream {
  readonly pool: UpstreamPool;
  readonly retries: number;
}

/**
 * The gateway's request entry point: framing checks (RFC 9112 §6), path normalisation, routing, size limits,
 * then the cache (GET/HEAD on caching routes) or a plain forward.
 */
export function createRequestHandler(ctx: ProxyContext, pools: ReadonlyMap<string, UpstreamPool>, authenticator?: Authenticator): RequestHandler {
  const { config } = ctx;
  const realm = config.auth?.realm ?? 'cachet';
  const table = createRouteTable(config.routes);
  const upstreamOf = new Map<RouteConfig, RoutedUpstream>();
  for (const route of config.routes) {
    const pool = pools.get(route.upstream);
    const upstream = config.upstreams[route.upstream];
    if (pool === undefined || upstream === undefined) throw new Error(`route ${route.path} names unknown upstream ${route.upstream}`);
    upstreamOf.set(route, { pool, retries: upstream.retries });
  }
  const cacheEnabled = config.cache.enabled;
  const maxBodyBytes = config.limits.maxBodyBytes;

  return function handleRequest(req, res) {
    // A refused request closes its connection; requests pipelined behind it are never acted on. Their
    // responses wait in Node's queue behind the refusal and go with the connection once it is written;
    // only one already active (the refusal is out) ends the connection now.
    if (isClosing(req.socket)) {
      if (res.socket !== null) req.socket.destroy();
      return;
    }
    // A chunked body ahead of this request is still being counted: if it turns out too large, the
    // connection closes after its 413 and this request must not have been acted on.
    const counting = countingBodies.get(req.socket);
    if (counting !== undefined) {
      counting.then(() => handleRequest(req, res));
      return;
    }
    const startedAt = performance.now();
    const requestId = resolveRequestId(req.headers['x-request-id']);
    const method = req.method ?? 'GET';

    // Node's strict parser already refused CR/LF/NUL in field lines (see `createListener`).
    const framing = checkRequestFraming(req.httpVersion, req.rawHeaders, false);
    if (!framing.ok) return reject(res, requestId, 'CACHET_ERR_REQUEST_MALFORMED', framing.reason, true);
    const target = normalizeRequestTarget(req.url ?? '', method);
    if (!target.ok) return reject(res, requestId, 'CACHET_ERR_REQUEST_PATH', target.reason, false);

    const match = table.match(target.path, method);
    if (match.kind === 'not-found') return reject(res, requestId, 'CACHET_ERR_ROUTE_NOT_FOUND', 'No route matches this path.', false);
    if (match.kind === 'method-not-allowed') {
      sendProblem(res, 'CACHET_ERR_ROUTE_METHOD', `${method} is not allowed here.`, { allow: match.allow.join(', '), 'x-request-id': requestId });
      return;
    }

    const declared = req.headers['content-length'];
    if (declared !== undefined && (parseContentLength(declared) ?? 0) > maxBodyBytes) {
      return reject(res, requestId, 'CACHET_ERR_REQUEST_BODY_TOO_LARGE', `The request body exceeds ${maxBodyBytes} bytes.`, true);
    }

    const route = match.route;
    let cors: Readonly<Record<string, string>> | undefined;
    if (route.cors !== undefined) {
      // Preflights carry no credentials (Fetch §3.2.2): answered at the edge before authentication.
      if (isPreflight(method, req.headers)) return answerPreflightRequest(res, route.cors, req, requestId);
      cors = corsResponseHeaders(route.cors, req.headers.origin);
    }
    const path = target.path === '*' ? '*' : target.path + target.query;
    if (route.auth === 'none' || authenticator === undefined) {
      return dispatch(req, res, method, path, route, requestId, startedAt, undefined, cors);
    }
    const auth = authenticator.authenticate(req, route);
    if (!(auth instanceof Promise)) return proceed(auth);
    auth.then(proceed, (err: unknown) => {
      ctx.logger.error({ err, requestId }, 'authentication failed unexpectedly');
      if (!res.headersSent) sendProblem(res, 'CACHET_ERR_INTERNAL', 'Authentication failed.', { 'x-request-id': requestId });
    });

    function proceed(result: AuthResult): void {
      if (!result.ok) return refuse(res, result, requestId, cors, hasRequestBody(req));
      dispatch(req, res, method, path, route, requestId, startedAt, result.identity, cors);
    }
  };

  function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    route: RouteConfig,
    requestId: string,
    startedAt: number,
    identity: Identity | undefined,
    cors: Readonly<Record<string, string>> | undefined,
  ): void {
    let body = null;
    if (hasRequestBody(req)) {
      // 100-continue is answered only once the request passed every check (RFC 9110 §10.1.1).
      if (req.headers.expect !== undefined && req.headers.expect.toLowerCase() === '100-continue') writeContinueInTurn(req, res);
      body = req.headers['content-length'] === undefined ? countChunkedBody(req, res, maxBodyBytes) : req;
    }
    const routed = upstreamOf.get(route) as RoutedUpstream;
    const ex: Exchange = { req, res, method, path, route, pool: routed.pool, retries: routed.retries, requestId, startedAt, body, identity, cors };

    let label: CacheLabel | Promise<CacheLabel>;
    if (method === 'GET' || method === 'HEAD') {
      label = cacheEnabled && route.cache ? handleCacheable(ctx, ex) : forwardUncached(ctx, ex, 'bypass');
    } else {
      label = forwardUncached(ctx, ex, 'method');
    }
    if (typeof label === 'string') {
      ctx.metrics.recordRequest(route.path, method, res.statusCode, label, (performance.now() - startedAt) / 1000);
    } else {
      label.then(
        (settled) => ctx.metrics.recordRequest(route.path, method, res.statusCode, settled, (performance.now() - startedAt) / 1000),
        (err: unknown) => {
          ctx.logger.error({ err, requestId }, 'request failed');
          if (!res.headersSent) sendProblem(res, 'CACHET_ERR_INTERNAL', 'The gateway failed to handle the request.', { 'x-request-id': requestId });
          else abortResponse(res);
        },
      );
    }
  }

  function refuse(res: ServerResponse, refusal: AuthRefusal, requestId: string, cors: Readonly<Record<string, string>> | undefined, unreadBody: boolean): void {
    const headers: Record<string, string> = { 'x-request-id': requestId, ...cors };
    const challenge = formatBearerChallenge(realm, refusal);
    if (challenge !== undefined) headers['www-authenticate'] = challenge;
    if (unreadBody) {
      headers['connection'] = 'close';
      closeAfter(res);
    }
    sendProblem(res, refusal.code, refusal.description, headers);
  }
}

function answerPreflightRequest(res: ServerResponse, cors: CorsConfig, req: IncomingMessage, requestId: string): void {
  const headers = answerPreflight(cors, req.headers);
  if (headers === undefined) {
    sendProblem(res, 'CACHET_ERR_CORS_FORBIDDEN', 'This cross-origin request is not allowed.', { 'x-request-id': requestId, vary: 'Origin' });
    return;
  }
  res.writeHead(204, { ...headers, 'x-request-id': requestId, 'content-length': '0' });
  res.end();
}

/** Connections with a chunked request body still being counted against `limits.maxBodyBytes`. */
const countingBodies = new WeakMap<object, Promise<void>>();

function countChunkedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): BodyLimiter {
  const socket = req.socket;
  const { promise, resolve } = Promise.withResolvers<void>();
  countingBodies.set(socket, promise);
  return limitRequestBody(req, maxBytes, (withinLimit) => {
    countingBodies.delete(socket);
    // Over the limit (or cut off): this response is the connection's last, so what follows is dropped.
    if (!withinLimit) closeAfter(res);
    resolve();
  });
}

function reject(res: ServerResponse, requestId: string, code: CachetErrorCode, detail: string, close: boolean): void {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (close) {
    headers['connection'] = 'close';
    closeAfter(res);
  }
  sendProblem(res, code, detail, headers);
}
