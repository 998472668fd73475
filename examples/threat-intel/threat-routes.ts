import type http from 'node:http';
import {
  cacheControl,
  evaluatePreconditions,
  requireIfMatch,
  sendPreconditionFailed,
  sendPreconditionRequired,
  strongETag,
  surrogateKeys,
} from '../../src/origin/index.ts';
import { getMediaType, parseJsonObject, readBody, sendBody, sendEmpty, sendProblem } from './http.ts';
import { isSeverity, parseThreatInput, type ThreatInput } from './threat-input.ts';
import type { ThreatStore } from './threat-store.ts';
import { hasScope, readSubject } from './identity.ts';

/** What the threat handlers need from the running origin. */
export interface ThreatRouteDeps {
  readonly threats: ThreatStore;
  /** Purges the given cache tags at the gateway; never rejects. */
  purge(tags: readonly string[]): Promise<void>;
}

// Public so the gateway may store it even for requests with Authorization (RFC 9111 §3.5);
// RFC 5861 windows keep serving through revalidation and origin outages.
const THREATS_CACHE_CONTROL = cacheControl({ public: true, maxAge: 60, staleWhileRevalidate: 300, staleIfError: 86400 });
const WRITE_SCOPE = 'threats:write';

/** Parses the `{id}` path segment: a positive decimal integer, else `undefined` (answered 404). */
export function parseThreatId(segment: string): number | undefined {
  if (!/^[1-9]\d{0,14}$/.test(segment)) return undefined;
  return Number(segment);
}

/** `GET /v1/threats[?severity=...]`: the list, tagged `threats`. */
export function sendThreatList(deps: ThreatRouteDeps, req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams): void {
  const severity = query.get('severity') ?? undefined;
  if (severity !== undefined && !isSeverity(severity)) {
    return sendProblem(res, { status: 400, title: 'Bad Request', detail: 'severity must be one of low, medium, high, critical.' });
  }
  const threats = deps.threats.list(severity);
  const body = JSON.stringify({ threats, count: threats.length });
  const updatedAt = threats.reduce((latest, threat) => Math.max(latest, Date.parse(threat.updatedAt)), 0);
  sendCacheable(req, res, body, updatedAt, surrogateKeys('threats'));
}

/** `GET /v1/threats/{id}`: one threat, tagged `threats threat-{id}`. */
export function sendThreat(deps: ThreatRouteDeps, req: http.IncomingMessage, res: http.ServerResponse, id: number): void {
  const threat = deps.threats.get(id);
  if (threat === undefined) return sendThreatNotFound(res, id);
  sendCacheable(req, res, JSON.stringify(threat), Date.parse(threat.updatedAt), surrogateKeys('threats', `threat-${id}`));
}

/**
 * `POST /v1/threats`: needs `threats:write` in X-Auth-Scopes. With `Idempotency-Key`, a retry with
 * the same key and input replays the first 201 (one row, same id) from any instance; the same key
 * with another input is 422.
 */
export async function createThreat(deps: ThreatRouteDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!hasScope(req, WRITE_SCOPE)) return sendForbidden(res);
  const key = parseIdempotencyKey(req.headers['idempotency-key']);
  if (key === 'invalid') {
    return sendProblem(res, { status: 400, title: 'Bad Request', detail: 'Idempotency-Key must be 1-255 visible ASCII characters.' });
  }
  const input = await readThreatInput(req, res);
  if (input === undefined) return;
  const idempotency = key === undefined ? undefined : { subject: readSubject(req) ?? '', key };
  const outcome = deps.threats.create(input, idempotency);
  if (outcome.kind === 'key-reused') {
    return sendProblem(res, {
      status: 422,
      title: 'Unprocessable Content',
      detail: 'This Idempotency-Key was already used with a different request body.',
    });
  }
  const { response } = outcome;
  const headers: Record<string, string> = { location: `/v1/threats/${response.resourceId}`, 'cache-control': 'no-store' };
  if (outcome.kind === 'replayed') {
    headers['idempotent-replayed'] = 'true';
    return sendBody(res, response.status, 'application/json', response.body, headers);
  }
  await deps.purge(['threats', `threat-${response.resourceId}`]);
  sendBody(res, response.status, 'application/json', response.body, { ...headers, etag: strongETag(response.body) });
}

/**
 * `PUT /v1/threats/{id}`: optimistic locking. 428 without If-Match (RFC 6585 §3), 412 when it does
 * not match the current strong ETag (RFC 9110 §13.1.1), else 200 with the new ETag.
 */
export async function replaceThreat(deps: ThreatRouteDeps, req: http.IncomingMessage, res: http.ServerResponse, id: number): Promise<void> {
  if (!hasScope(req, WRITE_SCOPE)) return sendForbidden(res);
  const current = deps.threats.get(id);
  // RFC 9110 §13.2.1: preconditions are ignored when the request would fail anyway (no such threat).
  if (current === undefined) return sendThreatNotFound(res, id);
  if (requireIfMatch(req.headers)) return sendPreconditionRequired(res);
  const currentETag = strongETag(JSON.stringify(current));
  const precondition = evaluatePreconditions('PUT', req.headers, { etag: currentETag, lastModified: Date.parse(current.updatedAt) });
  if (precondition.outcome !== 'proceed') return sendPreconditionFailed(res, { etag: currentETag });
  const input = await readThreatInput(req, res);
  if (input === undefined) return;
  const outcome = deps.threats.update(id, current.version, input);
  if (outcome.kind === 'not-found') return sendThreatNotFound(res, id);
  // Another writer got in between the check and the write: same answer as a stale If-Match.
  if (outcome.kind === 'conflict') return sendPreconditionFailed(res);
  await deps.purge(['threats', `threat-${id}`]);
  const body = JSON.stringify(outcome.threat);
  sendBody(res, 200, 'application/json', body, { etag: strongETag(body), 'cache-control': 'no-store' });
}

/** Reads an Idempotency-Key field: a bare token or an RFC 8941 sf-string; `undefined` when absent. */
export function parseIdempotencyKey(value: string | string[] | undefined): string | 'invalid' | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return 'invalid';
  const trimmed = value.trim();
  const key = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  return /^[\x21-\x7e]{1,255}$/.test(key) && !key.includes('"') ? key : 'invalid';
}

function sendCacheable(req: http.IncomingMessage, res: http.ServerResponse, body: string, updatedAt: number, tags: string): void {
  const etag = strongETag(body);
  const headers: Record<string, string> = { etag, 'cache-control': THREATS_CACHE_CONTROL, 'surrogate-key': tags };
  if (updatedAt > 0) headers['last-modified'] = new Date(updatedAt).toUTCString();
  const precondition = evaluatePreconditions(req.method ?? 'GET', req.headers, {
    etag,
    lastModified: updatedAt > 0 ? updatedAt : undefined,
  });
  if (precondition.outcome === 'not-modified') return sendEmpty(res, 304, headers);
  if (precondition.outcome === 'failed') return sendPreconditionFailed(res, { etag });
  sendBody(res, 200, 'application/json', body, headers);
}

async function readThreatInput(req: http.IncomingMessage, res: http.ServerResponse): Promise<ThreatInput | undefined> {
  if (getMediaType(req) !== 'application/json') {
    sendProblem(
      res,
      { status: 415, title: 'Unsupported Media Type', detail: 'Send the threat as application/json.' },
      { 'accept-post': 'application/json' },
    );
    return undefined;
  }
  const read = await readBody(req);
  if (!read.ok) {
    sendProblem(res, { status: 413, title: 'Content Too Large', detail: 'A threat document is at most 64 KiB.' }, { connection: 'close' });
    return undefined;
  }
  const json = parseJsonObject(read.body);
  if (json === undefined) {
    sendProblem(res, { status: 400, title: 'Bad Request', detail: 'The body is not a JSON object.' });
    return undefined;
  }
  const parsed = parseThreatInput(json);
  if (!parsed.ok) {
    sendProblem(res, { status: 422, title: 'Unprocessable Content', detail: 'The threat has invalid fields.', errors: parsed.problems });
    return undefined;
  }
  return parsed.input;
}

function sendThreatNotFound(res: http.ServerResponse, id: number): void {
  sendProblem(res, { status: 404, title: 'Not Found', detail: `There is no threat ${id}.` });
}

function sendForbidden(res: http.ServerResponse): void {
  sendProblem(res, { status: 403, title: 'Forbidden', detail: `This request needs the ${WRITE_SCOPE} scope.` });
}
