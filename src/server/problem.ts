import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ERROR_TABLE, type CachetErrorCode } from '../errors.ts';

/** Header values `sendProblem` accepts besides its own; names lower-case. */
export type ProblemHeaders = Readonly<OutgoingHttpHeaders>;

/**
 * Answers with an RFC 9457 problem details body `{type, title, status, detail, code}`; status and title come
 * from the code's entry in the error table.
 *
 * `type` is `about:blank` (RFC 9457 §4.2.1), so `title` is the status phrase ("Bad Gateway"); `detail` explains
 * this occurrence and `code` is the stable cachet code. The response is never stored (`cache-control: no-store`)
 * and carries an exact `content-length`. When the head has already gone out, nothing coherent can be written,
 * so the connection is destroyed instead.
 *
 * @example
 * sendProblem(res, 'CACHET_ERR_UPSTREAM_TIMEOUT', 'The upstream did not answer in time.', { 'x-request-id': id });
 */
export function sendProblem(res: ServerResponse, code: CachetErrorCode, detail: string, extraHeaders?: ProblemHeaders): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, title } = ERROR_TABLE[code];
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, code });
  const headers: OutgoingHttpHeaders = extraHeaders === undefined ? {} : { ...extraHeaders };
  headers['content-type'] = 'application/problem+json';
  headers['content-length'] = Buffer.byteLength(body);
  headers['cache-control'] = 'no-store';
  res.writeHead(status, headers);
  res.end(body);
}
