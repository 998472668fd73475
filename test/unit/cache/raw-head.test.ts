import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeHead, serializeStoredHead } from '../../../src/cache/raw-head.ts';

const FIELDS = ['content-type', 'text/plain', 'etag', '"v1"', 'x-note', 'caf\u00e9', 'content-length', '5'];

test('serializeHead: the status line, then each field on its own CRLF-terminated line', () => {
  assert.equal(serializeHead(304, FIELDS.slice(0, 4)), 'HTTP/1.1 304 Not Modified\r\ncontent-type: text/plain\r\netag: "v1"\r\n');
});

test('serializeHead: a latin1 field value keeps its one byte per character', () => {
  const head = serializeHead(200, FIELDS);
  assert.ok(head.includes('x-note: caf\u00e9\r\n'));
  assert.equal(Buffer.byteLength(head, 'latin1'), head.length);
});

test('serializeStoredHead: only with a Content-Length, which the fast path frames by', () => {
  assert.equal(serializeStoredHead(200, FIELDS), serializeHead(200, FIELDS));
  assert.equal(serializeStoredHead(200, FIELDS.slice(0, 6)), undefined);
});
