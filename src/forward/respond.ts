import type { Exchange } from './exchange.ts';
import type { HeaderRecord, UpstreamFailure, UpstreamResponse } from './upstream-request.ts';
import { buildClientHeaders, type ClientHeaderOptions } from './response-headers.ts';
import { applyHeaderEdits } from './rewrite.ts';
import { sendProblem } from '../server/problem.ts';
import { abortResponse } from '../server/pipeline.ts';
import { isCompleteDespiteError } from '../upstream/body-errors.ts';

/** What is relayed of an upstream response; a kept one (an Idempotency-Key replay) has no target. */
export type RelayedResponse = Pick<UpstreamResponse, 'status' | 'headers' | 'body'>;

/**
 * Streams an upstream response to the client: hop-by-hop fields removed, Via added, the route's response
 * rewrite applied, then Cache-Status and X-Request-ID added.
 */
export function sendUpstreamResponse(ex: Exchange, upstream: RelayedResponse, cacheStatus: string, options: ClientHeaderOptions): void {
  const headers = buildClientHeaders(upstream.headers, options);
  const edits = ex.route.responseHeaders;
  if (edits !== undefined) applyHeaderEdits(headers, edits);
  // RFC 9211 §2: caches nearer the origin come first; ours is appended.
  const upstreamStatus = headers['cache-status'];
  headers['cache-status'] =
    upstreamStatus === undefined
      ? cacheStatus
      : `${Array.isArray(upstreamStatus) ? upstreamStatus.join(', ') : upstreamStatus}, ${cacheStatus}`;
  headers['x-request-id'] = ex.requestId;
  if (ex.cors !== undefined) {
    // The edge owns CORS on this route: an upstream's own answer could contradict it (e.g. `*` with credentials).
    for (const name in headers) if (name.startsWith('access-control-')) delete headers[name];
    mergeFields(headers, ex.cors);
  }
  // RFC 9110 §8.6: no Content-Length on a 204, whatever the origin sent.
  if (upstream.status === 204) delete headers['content-length'];
  const { res } = ex;
  res.writeHead(upstream.status, headers as Record<string, string | string[]>);
  if (ex.method === 'HEAD' || upstream.status === 204 || upstream.status === 304) {
    upstream.body.resume();
    res.end();
    return;
  }
  // pipe, not stream.pipeline: pipeline allocates an abort controller and a stack-carrying error per
  // response, measurable on the pass-through path. A broken origin body ends the client's connection,
  // unless only an ignorable trailer field broke it; a client that went away stops the origin body.
  const body = upstream.body;
  body.on('error', (err) => {
    if (isCompleteDespiteError(body, err)) res.end();
    else abortResponse(res);
  });
  res.on('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  body.pipe(res);
}

/** Discards an upstream body the client will not see. */
export function discardUpstreamBody(upstream: UpstreamResponse): void {
  upstream.body.on('error', () => {});
  upstream.body.resume();
}

/** Maps an upstream failure to an RFC 9457 problem: 503 no healthy target, 504 timeout, 502 otherwise. */
export function sendUpstreamFailure(ex: Exchange, failure: UpstreamFailure, cacheStatus: string): void {
  const { res } = ex;
  if (res.headersSent || res.destroyed) {
    abortResponse(res);
    return;
  }
  const extra = { ...ex.cors, 'cache-status': cacheStatus, 'x-request-id': ex.requestId };
  switch (failure.kind) {
    case 'aborted':
      abortResponse(res);
      return;
    case 'unavailable':
      sendProblem(res, 'CACHET_ERR_UPSTREAM_UNAVAILABLE', 'No healthy upstream target is available.', { ...extra, 'retry-after': '1' });
      return;
    case 'timeout':
      sendProblem(res, 'CACHET_ERR_UPSTREAM_TIMEOUT', 'The upstream did not answer in time.', extra);
      return;
    case 'connect':
      sendProblem(res, 'CACHET_ERR_UPSTREAM_CONNECT', 'The upstream could not be reached.', extra);
      return;
    case 'other':
      sendProblem(res, 'CACHET_ERR_UPSTREAM_RESPONSE', 'The upstream failed to answer.', extra);
      return;
  }
}

/** Adds edge-made fields (CORS) to a response's fields; `Vary` is a list, so it is extended rather than replaced. */
function mergeFields(headers: HeaderRecord, extra: Readonly<Record<string, string>>): void {
  for (const name in extra) {
    const value = extra[name] as string;
    const existing = headers[name];
    if (name === 'vary' && existing !== undefined) headers[name] = `${Array.isArray(existing) ? existing.join(', ') : existing}, ${value}`;
    else headers[name] = value;
  }
}
