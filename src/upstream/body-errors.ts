import type { Readable } from 'node:stream';
import { errors } from 'undici';

/**
 * llhttp's reason when a Content-Length field shows up in a chunked message. undici 8 leaves `code` unset
 * on the errors of its llhttp parser (it looks the numeric code up in a name → number table), so the reason
 * is what tells this case apart; a code, where undici sets one, is checked first.
 */
const CONTENT_LENGTH_WITH_CHUNKED = "Content-Length can't be present with Transfer-Encoding";

/**
 * Whether an upstream body failed only on a `Content-Length` field in the trailer section of a chunked
 * response, after the last chunk. A body error comes after the response head, so the only fields parsed
 * then are trailer fields; Content-Length is not allowed there (RFC 9110 §6.5.1, §8.6) and a recipient may
 * ignore it, and the data itself was complete. undici raises it as an error of the whole response.
 */
export function isTrailerContentLengthError(err: unknown): boolean {
  if (!(err instanceof errors.HTTPParserError)) return false;
  if (err.code !== undefined) return err.code === 'HPE_UNEXPECTED_CONTENT_LENGTH';
  return err.message.includes(CONTENT_LENGTH_WITH_CHUNKED);
}

/**
 * Whether a body that failed with `err` had nevertheless delivered all of its data: the failure is an
 * ignorable trailer field and nothing was left unread in the stream (a failed stream drops what it still
 * buffered, as under backpressure). Such a response is finished for the client as it is, but it is not
 * stored: its framing was anomalous.
 */
export function isCompleteDespiteError(body: Readable, err: unknown): boolean {
  return body.readableLength === 0 && isTrailerContentLengthError(err);
}
