import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CachetErrorCode } from '../errors.ts';
import { sendProblem } from '../server/problem.ts';
import { hasRequestBody, isJsonMediaType, readBoundedBody } from './read-body.ts';

/** Largest admin request body (`POST /purge`, `POST /revocations`, `DELETE /revocations`). */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/** Answers JSON that is never stored. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, 'application/json', JSON.stringify(value));
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** 405 with `Allow` (RFC 9110 §15.5.6). */
export function rejectMethod(req: IncomingMessage, res: ServerResponse, allow: string): void {
  reject(req, res, 'CACHET_ERR_ADMIN_METHOD', `${req.method ?? ''} is not allowed here; use ${allow}.`, { allow });
}

/** A problem answer; a body the client announced but was never read closes the connection instead of being drained. */
export function reject(
  req: IncomingMessage,
  res: ServerResponse,
  code: CachetErrorCode,
  detail: string,
  headers: OutgoingHttpHeaders = {},
): void {
  const extra = !req.complete && hasRequestBody(req) ? { ...headers, connection: 'close' } : headers;
  sendProblem(res, code, detail, extra);
}

export function rejectBadRequest(req: IncomingMessage, res: ServerResponse, detail: string): void {
  reject(req, res, 'CACHET_ERR_ADMIN_BAD_REQUEST', detail);
}

/** Marks "the request was already answered" for {@link readJsonBody}. */
export const ANSWERED: unique symbol = Symbol('answered');

/**
 * Reads a JSON request body of at most {@link MAX_ADMIN_BODY_BYTES}. Answers the parsed value, or
 * {@link ANSWERED} after refusing the request (415 not JSON or content-coded, 413 too large, 400 bad JSON).
 */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  if (!isJsonMediaType(req.headers['content-type'])) {
    reject(req, res, 'CACHET_ERR_ADMIN_MEDIA_TYPE', 'The body must be application/json.');
    return ANSWERED;
  }
  const coding = req.headers['content-encoding'];
  if (coding !== undefined && coding.toLowerCase() !== 'identity') {
    // RFC 9110 §15.5.16: content codings this endpoint does not decode are refused.
    reject(req, res, 'CACHET_ERR_ADMIN_MEDIA_TYPE', 'Content-Encoding is not supported; send the JSON as is.');
    return ANSWERED;
  }
  const read = await readBoundedBody(req, MAX_ADMIN_BODY_BYTES);
  if (read.kind === 'too-large') {
    reject(req, res, 'CACHET_ERR_ADMIN_BODY_TOO_LARGE', `The body exceeds ${MAX_ADMIN_BODY_BYTES} bytes.`, { connection: 'close' });
    return ANSWERED;
  }
  try {
    return JSON.parse(read.body.toString('utf8'));
  } catch (err) {
    rejectBadRequest(req, res, `The body is not valid JSON: ${(err as Error).message}`);
    return ANSWERED;
  }
}
