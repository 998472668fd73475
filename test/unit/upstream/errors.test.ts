import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from 'undici';
import { classifyUpstreamError, type UpstreamErrorKind } from '../../../src/upstream/errors.ts';

function systemError(code: string): Error {
  return Object.assign(new Error(`${code} 127.0.0.1:1`), { code });
}

test('classifyUpstreamError: no connection made → connect (502, RFC 9110 §15.6.3; retryable per §9.2.2)', async (t) => {
  const cases: ReadonlyArray<[string, unknown]> = [
    ['undici connect timeout', new errors.ConnectTimeoutError()],
    ['ECONNREFUSED', systemError('ECONNREFUSED')],
    ['EHOSTUNREACH', systemError('EHOSTUNREACH')],
    ['ENOTFOUND', systemError('ENOTFOUND')],
    ['happy-eyeballs AggregateError', new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')], 'all failed')],
    ['wrapped in cause', new Error('fetch failed', { cause: systemError('ECONNREFUSED') })],
  ];
  for (const [name, err] of cases) {
    await t.test(name, () => assert.equal(classifyUpstreamError(err), 'connect'));
  }
});

test('classifyUpstreamError: connection dropped before a response head → reset (502; counted apart, retried once)', async (t) => {
  const cases: ReadonlyArray<[string, unknown]> = [
    ['ECONNRESET (RST after the request was sent)', systemError('ECONNRESET')],
    ['EPIPE (written to a closed connection)', systemError('EPIPE')],
    ['other side closed (FIN without an answer)', new errors.SocketError('other side closed')],
    ['wrapped in cause', new Error('request failed', { cause: systemError('ECONNRESET') })],
  ];
  for (const [name, err] of cases) {
    await t.test(name, () => assert.equal(classifyUpstreamError(err), 'reset'));
  }
});

test('classifyUpstreamError: slow target → timeout (504, RFC 9110 §15.6.5)', async (t) => {
  const cases: ReadonlyArray<[string, unknown]> = [
    ['headers timeout', new errors.HeadersTimeoutError()],
    ['body timeout', new errors.BodyTimeoutError()],
    ['AbortSignal.timeout reason', new DOMException('timed out', 'TimeoutError')],
  ];
  for (const [name, err] of cases) {
    await t.test(name, () => assert.equal(classifyUpstreamError(err), 'timeout'));
  }
});

test('classifyUpstreamError: caller gave up → aborted', async (t) => {
  const cases: ReadonlyArray<[string, unknown]> = [
    ['undici RequestAbortedError', new errors.RequestAbortedError()],
    ['DOMException AbortError', new DOMException('aborted', 'AbortError')],
  ];
  for (const [name, err] of cases) {
    await t.test(name, () => assert.equal(classifyUpstreamError(err), 'aborted'));
  }
});

test('classifyUpstreamError: anything else → other (502, RFC 9110 §15.6.3)', async (t) => {
  const cases: ReadonlyArray<[string, unknown]> = [
    ['response content-length mismatch', new errors.ResponseContentLengthMismatchError()],
    ['pool closed', new errors.ClientClosedError()],
    ['plain Error', new Error('boom')],
    ['string', 'boom'],
    ['undefined', undefined],
    ['null', null],
  ];
  for (const [name, err] of cases) {
    await t.test(name, () => assert.equal(classifyUpstreamError(err), 'other'));
  }
});

test('classifyUpstreamError: an aborted signal with its own reason is recognised', async (t) => {
  const cases: ReadonlyArray<{ name: string; reason: unknown; expected: UpstreamErrorKind }> = [
    { name: 'custom reason → aborted', reason: new Error('client went away'), expected: 'aborted' },
    { name: 'TimeoutError reason → timeout', reason: new DOMException('timed out', 'TimeoutError'), expected: 'timeout' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const controller = new AbortController();
      controller.abort(c.reason);
      assert.equal(classifyUpstreamError(c.reason, controller.signal), c.expected);
      assert.equal(classifyUpstreamError(c.reason), c.expected === 'timeout' ? 'timeout' : 'other');
    });
  }
});
