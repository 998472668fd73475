import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.ts';
import type { MetricsSnapshot } from '../observability/metrics.ts';
import { isDashboardPath, sendDashboardAsset } from './dashboard/assets.ts';
import { createRecentPurges, type RecentPurges } from './recent-purges.ts';
import { summarizeStats } from './stats.ts';
import { createAdminAuth, formatBearerChallenge, logAdminRefusal, type AdminScope } from './auth.ts';
import { handleReload, type AdminReloadOutcome } from './reload-request.ts';
import { parsePurgeRequest } from './purge-request.ts';
import { ANSWERED, readJsonBody, reject, rejectBadRequest, rejectMethod, sendJson, sendText } from './respond.ts';
import { handleRevocations, type AdminRevocations, type ShareOutcome } from './revocations.ts';

export { MAX_ADMIN_BODY_BYTES } from './respond.ts';
import type { AdminHealth } from './health.ts';
import type { Readiness } from './readiness.ts';

export type { AdminHealth } from './health.ts';
export type { Readiness } from './readiness.ts';
export type { AdminRevocations, ShareOutcome } from './revocations.ts';

/** One purge's answer when the instance shares its store. */
export interface PurgeOutcome extends ShareOutcome {
  readonly purged: number;
}

/** What `/metrics` serves: one gateway's metrics, or every worker's added up. */
export interface AdminMetrics {
  readonly registry: { readonly contentType: string };
  render(): Promise<string>;
  /** The same metrics as data, for `GET /stats` (the dashboard's numbers). */
  snapshot(): Promise<MetricsSnapshot>;
}

/** What the admin listener needs from the gateway. */
export interface AdminDeps {
  /** Bearer token every path but `GET /health` requires. */
  readonly token: string;
  /** Read-only bearer token accepted for `GET /metrics` and `/stats` only; any other path answers 403. */
  readonly metricsToken?: string;
  /**
   * Purges what `selector` names; answers how many entries matched, and with a shared store whether the purge
   * reached the other instances (`shared: false`: applied here, shared once the store is back).
   */
  purge(selector: { url: string } | { prefix: string } | { tag: string }, soft: boolean): Promise<number | PurgeOutcome>;
  health(): AdminHealth | Promise<AdminHealth>;
  /** What `GET /readyz` answers. */
  readiness(): Readiness | Promise<Readiness>;
  readonly metrics: AdminMetrics;
  /** Receives failures of `purge`, `health` and metrics rendering (answered with 500). */
  readonly logger?: Logger;
  /** Turns on `/revocations`; without it that path is 404. */
  readonly revocations?: AdminRevocations;
  /** Epoch milliseconds for revocation bookkeeping and the dashboard's times; defaults to `Date.now`. */
  readonly now?: () => number;
  /** `POST /reload`: reads the config again and puts it in force (see `reload-request.ts`); without it that path is 404. */
  readonly reload?: () => Promise<AdminReloadOutcome>;
}

const READ_METHODS = 'GET, HEAD';

type Check = (authorization: string | undefined) => AdminScope;

const LIVE = JSON.stringify({ status: 'ok' });

/** What the read-only metrics token may read. */
const METRICS_TOKEN_PATHS: ReadonlySet<string> = new Set(['/metrics', '/stats']);

/**
 * The admin API on its own `node:http` server; the caller listens and closes it.
 *
 * - `GET /livez` (no token): `{"status":"ok"}` while the process serves; it checks no dependency.
 * - `GET /readyz` (no token): `{"status":"ready"}`, or 503 `{"status":"not ready","notReady":[...]}` naming
 *   each unmet condition (draining, listener, an upstream without a healthy target).
 * - `GET /health` (no token): `{"status", "upstreams": [{name, healthy, total}]}`, 503 when `down`.
 *   It reveals no configuration: no URLs, ports or token.
 * - `GET /dashboard` (no token): a live HTML page; its own data requests carry the token from `#token=`.
 * - `GET /metrics`: the Prometheus text exposition.
 * - `GET /stats`: the dashboard's numbers as JSON (see `stats.ts`), the last purges included.
 * - `POST /purge` with a JSON body `{"url"|"prefix"|"tag": "...", "soft"?: true}` or `{"tags": [...]}`:
 *   `{"purged": <count>}`; with a Redis store also `"shared"`: false when Redis was unavailable (the purge is
 *   in force on this instance and reaches the others once Redis is back).
 * - With `revocations`: `POST`, `GET` and `DELETE /revocations`, `DELETE /revocations/{jti|sub}/<id>`
 *   (see `revocations.ts`).
 *
 * Every other path requires `Authorization: Bearer <token>` and is checked before routing, so
 * without the token no path's existence is revealed. The metrics token reads `/metrics` and `/stats` only: elsewhere 403. Errors are RFC 9457 problem+json with a
 * `CACHET_ERR_ADMIN_*` code.
 */
export function createAdminServer(deps: AdminDeps): http.Server {
  // The tokens are read on every request (a config reload may rotate them); the digests only when they change.
  let tokens = { token: deps.token, metricsToken: deps.metricsToken, check: createAdminAuth(deps.token, deps.metricsToken) };
  const check: Check = (authorization) => {
    if (deps.token !== tokens.token || deps.metricsToken !== tokens.metricsToken)
      tokens = { token: deps.token, metricsToken: deps.metricsToken, check: createAdminAuth(deps.token, deps.metricsToken) };
    return tokens.check(authorization);
  };
  const purges = createRecentPurges();
  return http.createServer({ maxHeaderSize: 16 * 1024, headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    handleAdminRequest(deps, check, purges, req, res).catch((err: unknown) => {
      deps.logger?.error({ err, path: req.url }, 'admin request failed');
      if (res.headersSent) res.destroy();
      else reject(req, res, 'CACHET_ERR_ADMIN_INTERNAL', 'The admin request failed.');
    });
  });
}

async function handleAdminRequest(
  deps: AdminDeps,
  check: Check,
  purges: RecentPurges,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = pathOf(req.url ?? '/');
  const method = req.method ?? 'GET';
  const isRead = method === 'GET' || method === 'HEAD';

  switch (path) {
    case '/livez':
      if (!isRead) return rejectMethod(req, res, READ_METHODS);
      return sendText(res, 200, 'application/json', LIVE);
    case '/readyz':
      if (!isRead) return rejectMethod(req, res, READ_METHODS);
      return sendReadiness(res, await deps.readiness());
    case '/health':
      if (!isRead) return rejectMethod(req, res, READ_METHODS);
      return sendHealth(res, await deps.health());
  }
  if (isDashboardPath(path)) {
    if (!isRead) return rejectMethod(req, res, READ_METHODS);
    return sendDashboardAsset(res, path);
  }

  const auth = check(req.headers.authorization);
  if (auth === 'metrics' && !METRICS_TOKEN_PATHS.has(path)) {
    logAdminRefusal(deps.logger, req, path, 'metrics-scope');
    return reject(req, res, 'CACHET_ERR_ADMIN_FORBIDDEN', 'The metrics token may only read /metrics, /stats and /health.');
  }
  if (auth !== 'admin' && auth !== 'metrics') {
    logAdminRefusal(deps.logger, req, path, auth);
    return reject(
      req,
      res,
      'CACHET_ERR_ADMIN_UNAUTHORIZED',
      auth === 'missing' ? 'Bearer credentials are required.' : 'The bearer token is not valid.',
      {
        'www-authenticate': formatBearerChallenge(auth),
      },
    );
  }

  switch (path) {
    case '/metrics':
      if (!isRead) return rejectMethod(req, res, READ_METHODS);
      return sendText(res, 200, deps.metrics.registry.contentType, await deps.metrics.render());
    case '/stats': {
      if (!isRead) return rejectMethod(req, res, READ_METHODS);
      const [snapshot, health] = await Promise.all([deps.metrics.snapshot(), deps.health()]);
      return sendJson(res, 200, summarizeStats({ snapshot, health, purges: purges.list(), at: (deps.now ?? Date.now)() }));
    }
    case '/reload':
      if (deps.reload === undefined) return reject(req, res, 'CACHET_ERR_ADMIN_NOT_FOUND', `No admin resource at ${path}.`);
      if (method !== 'POST') return rejectMethod(req, res, 'POST');
      return handleReload(deps.reload, req, res);
    case '/purge':
      if (method !== 'POST') return rejectMethod(req, res, 'POST');
      return handlePurge(deps, purges, req, res);
    default:
      if (
        deps.revocations !== undefined &&
        (await handleRevocations({ revocations: deps.revocations, now: deps.now ?? Date.now }, path, req, res))
      )
        return;
      return reject(req, res, 'CACHET_ERR_ADMIN_NOT_FOUND', `No admin resource at ${path}.`);
  }
}

async function handlePurge(deps: AdminDeps, purges: RecentPurges, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req, res);
  if (body === ANSWERED) return;
  const parsed = parsePurgeRequest(body);
  if (!parsed.ok) return rejectBadRequest(req, res, parsed.detail);

  let purged = 0;
  let shared: boolean | undefined;
  for (const selector of parsed.request.selectors) {
    const outcome = await deps.purge(selector, parsed.request.soft);
    if (typeof outcome === 'number') purged += outcome;
    else {
      purged += outcome.purged;
      shared = outcome.shared && shared !== false;
    }
  }
  purges.record({ at: (deps.now ?? Date.now)(), selectors: parsed.request.selectors, soft: parsed.request.soft, purged });
  return sendJson(res, 200, shared === undefined ? { purged } : { purged, shared });
}

function sendHealth(res: ServerResponse, health: AdminHealth): void {
  // Copy field by field so nothing else the source carries (target URLs) can leak.
  const upstreams = health.upstreams.map((u) => ({ name: u.name, healthy: u.healthy, total: u.total }));
  const body =
    health.store === undefined ? { status: health.status, upstreams } : { status: health.status, upstreams, store: health.store };
  sendJson(res, health.status === 'down' ? 503 : 200, body);
}

function sendReadiness(res: ServerResponse, readiness: Readiness): void {
  if (readiness.ready) sendJson(res, 200, { status: 'ready' });
  else sendJson(res, 503, { status: 'not ready', notReady: readiness.notReady });
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
