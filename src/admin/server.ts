import http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CachetErrorCode } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { sendProblem } from '../server/problem.ts';
import { createBearerCheck, formatBearerChallenge, type BearerCheck } from './auth.ts';
import { parsePurgeRequest } from './purge-request.ts';
import { hasRequestBody, isJsonMediaType, readBoundedBody } from './read-body.ts';

export interface AdminHealth {
  readonly status: 'ok' | 'degraded' | 'down';
  readonly upstreams: ReadonlyArray<{ readonly name: string; readonly healthy: number; readonly total: number }>;
}

/** What the admin listener needs from the gateway. */
export interface AdminDeps {
  /** Bearer token every path but `GET /health` requires. */
  readonly token: string;
  /** Purges what `selector` names; answers how many entries matched. */
  purge(selector: { url: string } | { prefix: string } | { tag: string }, soft: boolean): Promise<number>;
  health(): AdminHealth;
  readonly metrics: Metrics;
  /** Receives failures of `purge`, `health` and metrics rendering (answered with 500). */
  readonly logger?: Logger;
}

/** Largest `POST /purge` body. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

const READ_METHODS = 'GET, HEAD';

type Check = (authorization: string | undefined) => BearerCheck;

/**
 * The admin API on its own `node:http` server; the caller listens and closes it.
 *
 * - `GET /health` (no token): `{"status", "upstreams": [{name, healthy, total}]}`, 503 when `down`.
 *   It reveals no configuration: no URLs, ports or token.
 * - `GET /metrics`: the Prometheus text exposition.
 * - `POST /purge` with a JSON body `{"url"|"prefix"|"tag": "...", "soft"?: true}` or `{"tags": [...]}`:
 *   `{"purged": <count>}`.
 *
 * Every path but `/health` requires `Authorization: Bearer <token>` and is checked before routing, so
 * without the token no path's existence is revealed. Errors are RFC 9457 problem+json with a
 * `CACHET_ERR_ADMIN_*` code.
 */
export function createAdminServer(deps: AdminDeps): http.Server {
  const check = createBearerCheck(deps.token);
  return http.createServer({ maxHeaderSize: 16 * 1024, headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    handleAdminRequest(deps, check, req, res).catch((err: unknown) => {
      deps.logger?.error({ err, path: req.url }, 'admin request failed');
      if (res.headersSent) res.destroy();
      else reject(req, res, 500, 'CACHET_ERR_ADMIN_INTERNAL', 'Internal Server Error', 'The admin request failed.');
    });
  });
}

async function handleAdminRequest(deps: AdminDeps, check: Check, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = pathOf(req.url ?? '/');
  const method = req.method ?? 'GET';
  const isRead = method === 'GET' || method === 'HEAD';

  if (path === '/health') {
    if (!isRead) return rejectMethod(req, res, READ_METHODS);
    return sendHealth(res, deps.health());
  }

  const auth = check(req.headers.authorization);
  if (auth !== 'ok') {
    return reject(req, res, 401, 'CACHET_ERR_ADMIN_UNAUTHORIZED', 'Unauthorized', auth === 'missing' ? 'Bearer credentials are required.' : 'The bearer token is not valid.', {
      'www-authenticate': formatBearerChallenge(auth),
    });
  }

  switch (path) {
    case '/metrics':
      if (!isRead) return rejectMethod(req, res, READ_METHODS);
      return sendText(res, 200, deps.metrics.registry.contentType, await deps.metrics.render());
    case '/purge':
      if (method !== 'POST') return rejectMethod(req, res, 'POST');
      return handlePurge(deps, req, res);
    default:
      return reject(req, res, 404, 'CACHET_ERR_ADMIN_NOT_FOUND', 'Not Found', `No admin resource at ${path}.`);
  }
}

async function handlePurge(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isJsonMediaType(req.headers['content-type'])) {
    return reject(req, res, 415, 'CACHET_ERR_ADMIN_MEDIA_TYPE', 'Unsupported Media Type', 'The body must be application/json.');
  }
  const coding = req.headers['content-encoding'];
  if (coding !== undefined && coding.toLowerCase() !== 'identity') {
    // RFC 9110 §15.5.16: content codings this endpoint does not decode are refused.
    return reject(req, res, 415, 'CACHET_ERR_ADMIN_MEDIA_TYPE', 'Unsupported Media Type', 'Content-Encoding is not supported; send the JSON as is.');
  }
  const read = await readBoundedBody(req, MAX_ADMIN_BODY_BYTES);
  if (read.kind === 'too-large') {
    return reject(req, res, 413, 'CACHET_ERR_ADMIN_BODY_TOO_LARGE', 'Content Too Large', `The body exceeds ${MAX_ADMIN_BODY_BYTES} bytes.`, { connection: 'close' });
  }
  let body: unknown;
  try {
    body = JSON.parse(read.body.toString('utf8'));
  } catch (err) {
    return reject(req, res, 400, 'CACHET_ERR_ADMIN_BAD_REQUEST', 'Bad Request', `The body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = parsePurgeRequest(body);
  if (!parsed.ok) return reject(req, res, 400, 'CACHET_ERR_ADMIN_BAD_REQUEST', 'Bad Request', parsed.detail);

  let purged = 0;
  for (const selector of parsed.request.selectors) purged += await deps.purge(selector, parsed.request.soft);
  return sendJson(res, 200, { purged });
}

function sendHealth(res: ServerResponse, health: AdminHealth): void {
  // Copy field by field so nothing else the source carries (target URLs) can leak.
  const upstreams = health.upstreams.map((u) => ({ name: u.name, healthy: u.healthy, total: u.total }));
  sendJson(res, health.status === 'down' ? 503 : 200, { status: health.status, upstreams });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, 'application/json', JSON.stringify(value));
}

function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function rejectMethod(req: IncomingMessage, res: ServerResponse, allow: string): void {
  reject(req, res, 405, 'CACHET_ERR_ADMIN_METHOD', 'Method Not Allowed', `${req.method ?? ''} is not allowed here; use ${allow}.`, { allow });
}

/** A problem answer; a body the client announced but was never read closes the connection instead of being drained. */
function reject(req: IncomingMessage, res: ServerResponse, status: number, code: CachetErrorCode, title: string, detail: string, headers: OutgoingHttpHeaders = {}): void {
  const extra = !req.complete && hasRequestBody(req) ? { ...headers, connection: 'close' } : headers;
  sendProblem(res, status, code, title, detail, extra);
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
