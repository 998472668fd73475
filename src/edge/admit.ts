import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { CorsConfig, RouteConfig, UpstreamConfig } from '../config/types.ts';
import type { CachetErrorCode } from '../errors.ts';
import type { Authenticator } from '../auth/authenticate.ts';
import type { AuthResult } from '../auth/types.ts';
import { formatBearerChallenge } from '../auth/www-authenticate.ts';
import { answerPreflight, corsResponseHeaders, isPreflight } from '../auth/cors.ts';
import { removeQueryAccessToken } from '../auth/token-source.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { authOutcomeOf } from '../observability/traffic-metrics.ts';
import { setRateLimitFields, type RateLimiter, type RateLimitVerdict } from '../rate-limit/limiter.ts';
import { resolveRequestId } from '../observability/request-id.ts';
import type { UpstreamPool } from '../upstream/pool.ts';
import type { Exchange, UpstreamRoute } from '../forward/exchange.ts';
import { parseContentLength } from '../cache/policy/headers.ts';
import { sendProblem, type ProblemHeaders } from '../server/problem.ts';
import { closeAfter, writeContinueInTurn } from '../server/pipeline.ts';
import { checkRequestFraming } from './framing.ts';
import { normalizeRequestTarget } from './normalize-path.ts';
import { createRouteTable } from './route-table.ts';
import { countChunkedBody, hasRequestBody } from './request-body.ts';
import { closeAfterAnswer } from './upgrade-connection.ts';

export interface AdmissionDeps {
  /** First match wins. */
  readonly routes: readonly RouteConfig[];
  readonly upstreams: Readonly<Record<string, UpstreamConfig>>;
  readonly pools: ReadonlyMap<string, UpstreamPool>;
  /** Undefined without an auth section: every route is open. */
  readonly authenticator: Authenticator | undefined;
  /** `realm` of Bearer challenges (RFC 6750 §3). */
  readonly realm: string;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  /** Judges requests on routes with `rateLimit`, after authentication; absent when no route has one. */
  readonly rateLimiter?: RateLimiter;
  /** Counts authentication outcomes (`cachet_auth_outcomes_total`). */
  readonly metrics?: Pick<Metrics, 'recordAuthOutcome'>;
}

/**
 * The two front doors. `upgrade`: RFC 9110 §7.8 defines Upgrade for HTTP/1.1 only, and content on an upgrade
 * request has no defined place once the protocol switches, so it is refused; every refusal ends the connection,
 * which no parser reads any more.
 */
export type Door = 'request' | 'upgrade';

/** The exchange for the layers below; a promise when authentication waits; undefined once a refusal is answered. */
export type Admitted = Exchange | Promise<Exchange | undefined> | undefined;

/**
 * The gateway's one admission step, for both doors, over one route table: framing (RFC 9112 §6) → path
 * normalisation → routing → size limit → CORS preflight and fields → authentication → the refusal answer.
 */
export interface Admission {
  admit(req: IncomingMessage, res: ServerResponse, door: Door): Admitted;
}

const ANONYMOUS: AuthResult = Object.freeze({ ok: true, identity: undefined });

export function createAdmission(deps: AdmissionDeps): Admission {
  const { authenticator, realm, maxBodyBytes, logger, rateLimiter, metrics } = deps;
  const table = createRouteTable(deps.routes);
  const upstreamOf = new Map<RouteConfig, UpstreamRoute>();
  for (const route of deps.routes) {
    const pool = deps.pools.get(route.upstream);
    const upstream = deps.upstreams[route.upstream];
    if (pool === undefined || upstream === undefined) throw new Error(`route ${route.path} names unknown upstream ${route.upstream}`);
    upstreamOf.set(route, Object.freeze({ pool, retries: upstream.retries, timeouts: upstream.timeouts }));
  }

  /**
   * Answers an authentication or rate-limit refusal, or makes the admitted request's exchange. `judged`: the
   * rate limiter's verdict once it came back from the shared store.
   */
  function enter(
    result: AuthResult,
    req: IncomingMessage,
    res: ServerResponse,
    door: Door,
    method: string,
    path: string,
    route: RouteConfig,
    upstream: UpstreamRoute,
    requestId: string,
    startedAt: number,
    cors: Readonly<Record<string, string>> | undefined,
    judged?: RateLimitVerdict,
  ): Admitted {
    if (!result.ok) {
      const challenge = formatBearerChallenge(realm, result);
      return refuse(
        res,
        door,
        requestId,
        result.code,
        result.description,
        challenge === undefined ? cors : { ...cors, 'www-authenticate': challenge },
        hasRequestBody(req),
      );
    }
    let verdict = judged;
    if (verdict === undefined && route.rateLimit !== undefined && rateLimiter !== undefined) {
      const pending = rateLimiter.check(route, req, result.identity);
      if (pending instanceof Promise) {
        return pending.then(
          (settled) => enter(result, req, res, door, method, path, route, upstream, requestId, startedAt, cors, settled),
          (err: unknown) => {
            logger.error({ err, requestId }, 'rate limit check failed unexpectedly');
            return refuse(res, door, requestId, 'CACHET_ERR_INTERNAL', 'The rate limit check failed.', cors, hasRequestBody(req));
          },
        );
      }
      verdict = pending;
    }
    // Refused before the body is read or 100-continue sent (RFC 6585 §4); never forwarded.
    if (verdict !== undefined && !verdict.admitted)
      return refuse(res, door, requestId, verdict.code, verdict.detail, { ...cors, ...verdict.headers }, hasRequestBody(req));
    const headLines = verdict === undefined ? undefined : setRateLimitFields(res, verdict);
    let body = null;
    if (door !== 'upgrade' && hasRequestBody(req)) {
      // 100-continue is answered only once the request passed every check (RFC 9110 §10.1.1).
      if (req.headers.expect !== undefined && req.headers.expect.toLowerCase() === '100-continue') writeContinueInTurn(req, res);
      body = req.headers['content-length'] === undefined ? countChunkedBody(req, res, maxBodyBytes) : req;
    }
    const scheme = requestSchemeOf(req);
    return { req, res, method, path, scheme, route, upstream, requestId, startedAt, body, identity: result.identity, cors, headLines };
  }

  return {
    admit(req, res, door) {
      const startedAt = performance.now();
      const requestId = resolveRequestId(req.headers['x-request-id']);
      const method = req.method ?? 'GET';
      const upgrade = door === 'upgrade';

      // Node's strict parser already refused CR/LF/NUL in field lines (see `createListener`).
      if (upgrade && req.httpVersion !== '1.1')
        return refuse(res, door, requestId, 'CACHET_ERR_REQUEST_MALFORMED', 'Upgrade is only defined for HTTP/1.1.', undefined, true);
      const framing = checkRequestFraming(req.httpVersion, req.rawHeaders, false);
      if (!framing.ok) return refuse(res, door, requestId, 'CACHET_ERR_REQUEST_MALFORMED', framing.reason, undefined, true);
      if (upgrade && hasRequestBody(req))
        return refuse(res, door, requestId, 'CACHET_ERR_REQUEST_MALFORMED', 'An upgrade request cannot carry content.', undefined, true);
      const target = normalizeRequestTarget(req.url ?? '', method);
      if (!target.ok) return refuse(res, door, requestId, 'CACHET_ERR_REQUEST_PATH', target.reason, undefined, false);

      const match = table.match(target.path, method);
      if (match.kind === 'not-found')
        return refuse(res, door, requestId, 'CACHET_ERR_ROUTE_NOT_FOUND', 'No route matches this path.', undefined, false);
      if (match.kind === 'method-not-allowed') {
        return refuse(
          res,
          door,
          requestId,
          'CACHET_ERR_ROUTE_METHOD',
          `${method} is not allowed here.`,
          { allow: match.allow.join(', ') },
          false,
        );
      }
      const declared = req.headers['content-length'];
      if (declared !== undefined && (parseContentLength(declared) ?? 0) > maxBodyBytes) {
        return refuse(
          res,
          door,
          requestId,
          'CACHET_ERR_REQUEST_BODY_TOO_LARGE',
          `The request body exceeds ${maxBodyBytes} bytes.`,
          undefined,
          true,
        );
      }

      const route = match.route;
      let cors: Readonly<Record<string, string>> | undefined;
      if (route.cors !== undefined) {
        // Preflights carry no credentials (Fetch §3.2.2): answered at the edge before authentication.
        if (!upgrade && isPreflight(method, req.headers)) return answerPreflightRequest(res, route.cors, req, requestId);
        cors = corsResponseHeaders(route.cors, req.headers.origin);
      }
      // RFC 6750 §2.3: a route that authenticates never reads a query token, and never forwards or keys on one.
      const query = route.auth === 'none' || target.query === '' ? target.query : removeQueryAccessToken(target.query);
      const path = target.path === '*' ? '*' : target.path + query;
      const upstream = upstreamOf.get(route) as UpstreamRoute;
      if (route.auth === 'none' || authenticator === undefined)
        return enter(ANONYMOUS, req, res, door, method, path, route, upstream, requestId, startedAt, cors);
      const auth = authenticator.authenticate(req, route);
      // The common case (a cached verification) enters without a closure.
      if (!(auth instanceof Promise)) {
        metrics?.recordAuthOutcome(authOutcomeOf(auth));
        return enter(auth, req, res, door, method, path, route, upstream, requestId, startedAt, cors);
      }
      return auth.then(
        (result) => {
          metrics?.recordAuthOutcome(authOutcomeOf(result));
          return enter(result, req, res, door, method, path, route, upstream, requestId, startedAt, cors);
        },
        (err: unknown) => {
          metrics?.recordAuthOutcome('error');
          logger.error({ err, requestId }, 'authentication failed unexpectedly');
          return refuse(res, door, requestId, 'CACHET_ERR_INTERNAL', 'Authentication failed.', cors, upgrade);
        },
      );
    },
  };
}

/**
 * Answers a refused request. `close`: nothing after it on this connection can be framed (or its body is unread),
 * so the answer is the connection's last. At the upgrade door every refusal is, and the gateway closes the
 * connection itself once the answer is out.
 */
function refuse(
  res: ServerResponse,
  door: Door,
  requestId: string,
  code: CachetErrorCode,
  detail: string,
  extra: ProblemHeaders | undefined,
  close: boolean,
): undefined {
  const headers: Record<string, ProblemHeaders[string]> = { 'x-request-id': requestId, ...extra };
  if (close || door === 'upgrade') {
    headers['connection'] = 'close';
    closeAfter(res);
  }
  if (door === 'upgrade') {
    const socket = res.req.socket as Duplex;
    res.once('finish', () => closeAfterAnswer(socket));
  }
  sendProblem(res, code, detail, headers);
  return undefined;
}

function answerPreflightRequest(res: ServerResponse, cors: CorsConfig, req: IncomingMessage, requestId: string): undefined {
  const headers = answerPreflight(cors, req.headers);
  if (headers === undefined) {
    sendProblem(res, 'CACHET_ERR_CORS_FORBIDDEN', 'This cross-origin request is not allowed.', {
      'x-request-id': requestId,
      vary: 'Origin',
    });
    return undefined;
  }
  res.writeHead(204, { ...headers, 'x-request-id': requestId, 'content-length': '0' });
  res.end();
  return undefined;
}

/**
 * The scheme the client reached the gateway with, `https` over TLS (HTTP/2 included): the target URI's scheme
 * (RFC 9110 §4.2), for cache keys, same-origin checks and X-Forwarded-Proto. What a TLS proxy in front says is
 * not trusted here.
 */
function requestSchemeOf(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as { encrypted?: boolean } | null)?.encrypted === true ? 'https' : 'http';
}
