import type { OutgoingHttpHeaders } from 'node:http';

/** The part of `http.ServerResponse` (or `Http2ServerResponse`) these helpers use. */
export interface ResponseLike {
  writeHead(statusCode: number, headers?: OutgoingHttpHeaders): unknown;
  end(chunk?: string): unknown;
}

/**
 * Sends 304 Not Modified with no content. Pass the validators and caching fields the 200 would carry:
 * RFC 9110 §15.4.5 requires Cache-Control, Content-Location, Date, ETag, Expires and Vary, and cachet
 * freshens its stored response from them (RFC 9111 §4.3.4).
 *
 * @example
 * sendNotModified(res, { etag, 'cache-control': cacheControl({ public: true, maxAge: 3600 }) });
 */
export function sendNotModified(res: ResponseLike, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(304, headers);
  res.end();
}

/**
 * Sends 412 Precondition Failed (RFC 9110 §15.5.13) as `application/problem+json` (RFC 9457).
 * Include the current `etag` so the client can refetch or retry.
 *
 * @example
 * if (pre.outcome === 'failed') return sendPreconditionFailed(res, { etag: current });
 */
export function sendPreconditionFailed(
  res: ResponseLike,
  headers: OutgoingHttpHeaders = {},
  detail = 'The representation changed since the client last read it.',
): void {
  sendProblem(res, 412, 'Precondition Failed', detail, headers);
}

/**
 * Sends 428 Precondition Required (RFC 6585 §3) as `application/problem+json`: the request must carry
 * `If-Match` so concurrent writers cannot overwrite each other.
 *
 * @example
 * if (requireIfMatch(req.headers)) return sendPreconditionRequired(res);
 */
export function sendPreconditionRequired(
  res: ResponseLike,
  headers: OutgoingHttpHeaders = {},
  detail = 'Send If-Match with the ETag you last read.',
): void {
  sendProblem(res, 428, 'Precondition Required', detail, headers);
}

function sendProblem(res: ResponseLike, status: number, title: string, detail: string, headers: OutgoingHttpHeaders): void {
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    // A failed precondition describes this request only; no cache should reuse it.
    'cache-control': 'no-store',
  });
  res.end(body);
}
