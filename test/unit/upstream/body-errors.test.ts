import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { errors } from 'undici';
import { isCompleteDespiteError, isTrailerContentLengthError } from '../../../src/upstream/body-errors.ts';

const TRAILER_REASON = "Response does not match the HTTP/1.1 protocol (Content-Length can't be present with Transfer-Encoding)";

/** undici's parser error as it is raised: undici 8 leaves `code` unset for its llhttp errors. */
function parserError(message: string, code?: string): Error {
  const err = new errors.HTTPParserError(message);
  return code === undefined ? err : Object.assign(err, { code });
}

test("isTrailerContentLengthError: only undici's parser error for Content-Length in a chunked message (RFC 9110 §6.5.1)", () => {
  const cases: ReadonlyArray<readonly [string, unknown, boolean]> = [
    ['as undici 8 raises it (no code)', parserError(TRAILER_REASON), true],
    ['with the llhttp code set', parserError('Response does not match the HTTP/1.1 protocol', 'HPE_UNEXPECTED_CONTENT_LENGTH'), true],
    ['another parser error', parserError('Response does not match the HTTP/1.1 protocol (Invalid character in chunk size)'), false],
    ['another code with the same words', parserError(TRAILER_REASON, 'HPE_INVALID_CHUNK_SIZE'), false],
    ['a plain error with the same message', new Error(TRAILER_REASON), false],
    ['a body timeout', new errors.BodyTimeoutError(), false],
    ['not an error', TRAILER_REASON, false],
  ];
  for (const [what, err, expected] of cases) assert.equal(isTrailerContentLengthError(err), expected, what);
});

test('isCompleteDespiteError: not when the failed stream still held data it will never deliver', () => {
  const err = parserError(TRAILER_REASON);
  const drained = new Readable({ read() {} });
  assert.equal(isCompleteDespiteError(drained, err), true);
  const holding = new Readable({ read() {} });
  holding.push(Buffer.from('lost'));
  assert.equal(isCompleteDespiteError(holding, err), false);
  assert.equal(isCompleteDespiteError(drained, new Error('other side closed')), false);
});
