import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRequestFraming } from '../../../src/edge/framing.ts';

const accepted: readonly (readonly [name: string, version: string, raw: readonly string[]])[] = [
  ['RFC 9112 §3.2 HTTP/1.1 with Host', '1.1', ['Host', 'a.example', 'Accept', '*/*']],
  ['RFC 9112 §3.2 HTTP/1.0 may omit Host', '1.0', ['Accept', '*/*']],
  ['RFC 9112 §3.2 empty Host value', '1.1', ['Host', '']],
  ['RFC 9112 §3.2 Host with port and IPv6 literal', '1.1', ['host', '[::1]:8080']],
  ['RFC 9113 §8.3.1 HTTP/2 may omit Host', '2.0', [':authority', 'a']],
  ['RFC 9112 §6.2 Content-Length', '1.1', ['Host', 'a', 'Content-Length', '42']],
  ['RFC 9110 §9.3.1 Content-Length on GET frames correctly', '1.1', ['Host', 'a', 'content-length', '0']],
  ['RFC 9110 §8.6 identical Content-Length list', '1.1', ['Host', 'a', 'Content-Length', '42, 42']],
  ['RFC 9110 §8.6 identical Content-Length lines', '1.1', ['Host', 'a', 'Content-Length', '42', 'CONTENT-LENGTH', '42']],
  ['RFC 9112 §6.1 Transfer-Encoding: chunked', '1.1', ['Host', 'a', 'Transfer-Encoding', 'chunked']],
  ['RFC 9112 §7 chunked is case-insensitive with OWS', '1.1', ['Host', 'a', 'transfer-encoding', ' Chunked ']],
  [
    'same-length names are not mistaken for checked fields',
    '1.1',
    ['Host', 'a', 'x-content-leng', 'x', 'accept-encodings!', 'x', 'hos', 'x'],
  ],
];

for (const [name, version, raw] of accepted) {
  test(`checkRequestFraming accepts: ${name}`, () => {
    assert.deepEqual(checkRequestFraming(version, raw), { ok: true });
  });
}

const refused: readonly (readonly [name: string, version: string, raw: readonly string[], reason: RegExp])[] = [
  [
    'RFC 9112 §6.1/§6.3(3) Content-Length and Transfer-Encoding',
    '1.1',
    ['Host', 'a', 'Content-Length', '5', 'Transfer-Encoding', 'chunked'],
    /both/,
  ],
  [
    'RFC 9112 §6.1/§6.3(3) Transfer-Encoding before Content-Length',
    '1.1',
    ['Host', 'a', 'Transfer-Encoding', 'chunked', 'Content-Length', '5'],
    /both/,
  ],
  ['RFC 9112 §6.1 Transfer-Encoding on HTTP/1.0', '1.0', ['Transfer-Encoding', 'chunked'], /HTTP\/1\.0/],
  ['RFC 9113 §8.2.2 Transfer-Encoding on HTTP/2', '2.0', ['transfer-encoding', 'chunked'], /HTTP\/2\.0/],
  ['RFC 9112 §6.3(4) chunked not final', '1.1', ['Host', 'a', 'Transfer-Encoding', 'chunked, gzip'], /exactly chunked/],
  [
    'RFC 9112 §6.3(4) chunked not final across lines',
    '1.1',
    ['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'gzip'],
    /exactly chunked/,
  ],
  ['RFC 9112 §7 chunked twice', '1.1', ['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'], /exactly chunked/],
  [
    'RFC 9112 §6.1 coding the gateway cannot forward (gzip, chunked)',
    '1.1',
    ['Host', 'a', 'Transfer-Encoding', 'gzip, chunked'],
    /exactly chunked/,
  ],
  ['RFC 9112 §6.1 unknown coding', '1.1', ['Host', 'a', 'Transfer-Encoding', 'xchunked'], /exactly chunked/],
  ['RFC 9112 §6.1 empty Transfer-Encoding', '1.1', ['Host', 'a', 'Transfer-Encoding', ''], /exactly chunked/],
  ['RFC 9112 §6.3(5) differing Content-Length lines', '1.1', ['Host', 'a', 'Content-Length', '5', 'Content-Length', '6'], /conflicting/],
  ['RFC 9112 §6.3(5) differing Content-Length list', '1.1', ['Host', 'a', 'Content-Length', '5, 6'], /conflicting/],
  ['RFC 9110 §8.6 non-identical spellings of one length', '1.1', ['Host', 'a', 'Content-Length', '042, 42'], /conflicting/],
  ['RFC 9110 §8.6 Content-Length not digits', '1.1', ['Host', 'a', 'Content-Length', '+5'], /invalid Content-Length/],
  ['RFC 9110 §8.6 Content-Length hex', '1.1', ['Host', 'a', 'Content-Length', '0x5'], /invalid Content-Length/],
  ['RFC 9110 §8.6 Content-Length empty', '1.1', ['Host', 'a', 'Content-Length', ''], /invalid Content-Length/],
  ['RFC 9110 §8.6 Content-Length negative', '1.1', ['Host', 'a', 'Content-Length', '-1'], /invalid Content-Length/],
  ['RFC 9110 §8.6 Content-Length beyond exact integers', '1.1', ['Host', 'a', 'Content-Length', '99999999999999999999'], /too large/],
  ['RFC 9112 §3.2 Host missing on HTTP/1.1', '1.1', ['Accept', '*/*'], /missing Host/],
  ['RFC 9112 §3.2 two Host lines', '1.1', ['Host', 'a', 'host', 'b'], /more than one Host/],
  ['RFC 9112 §3.2 two Host lines on HTTP/1.0', '1.0', ['Host', 'a', 'Host', 'a'], /more than one Host/],
  ['RFC 9112 §3.2 Host with a path', '1.1', ['Host', 'a/admin'], /invalid Host/],
  ['RFC 9112 §3.2 Host with userinfo', '1.1', ['Host', 'user@a'], /invalid Host/],
  ['RFC 9112 §3.2 Host with whitespace inside', '1.1', ['Host', 'a b'], /invalid Host/],
  ['RFC 9110 §5.5 bare LF in a value', '1.1', ['Host', 'a', 'X-A', 'b\nTransfer-Encoding: chunked'], /CR, LF or NUL/],
  ['RFC 9110 §5.5 bare CR in a name', '1.1', ['Host', 'a', 'X\rA', 'b'], /CR, LF or NUL/],
  ['RFC 9110 §5.5 NUL in a value', '1.1', ['Host', 'a', 'X-A', 'b\0'], /CR, LF or NUL/],
];

for (const [name, version, raw, reason] of refused) {
  test(`checkRequestFraming refuses: ${name}`, () => {
    const result = checkRequestFraming(version, raw);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.reason, reason);
  });
}
