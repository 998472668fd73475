import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { errors } from 'undici';
import { ConnectionTag, ConnectionTerm, MAX_TRACKED, isDesyncEvidence, type DesyncReport } from '../../../src/upstream/connection-guard.ts';

test('isDesyncEvidence: only errors showing a response was taken for another request’s', async (t) => {
  const cases: ReadonlyArray<[string, unknown, boolean]> = [
    ['bytes while no request ran ("bad response")', new errors.SocketError('bad response'), true],
    ['an upgrade nobody asked for', new errors.SocketError('bad upgrade'), true],
    [
      'a parse error (the next answer did not start where the last ended)',
      Object.assign(new errors.HTTPParserError('Response does not match the HTTP/1.1 protocol'), { code: 'HPE_INVALID_CONSTANT' }),
      true,
    ],
    ['a parse error without a code', new errors.HTTPParserError('Response does not match the HTTP/1.1 protocol'), true],
    ['the origin closed an idle connection', new errors.SocketError('other side closed'), false],
    ['undici closed it after a response (connection: close, HEAD)', new errors.InformationalError('reset'), false],
    ['keep-alive idle timeout', new errors.InformationalError('socket idle timeout'), false],
    ['a body cut short', new errors.ResponseContentLengthMismatchError(), false],
    ['a header section over the limit', new errors.HeadersOverflowError(), false],
    ['a body timeout', new errors.BodyTimeoutError(), false],
    ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), false],
    ['no error (a clean close)', null, false],
    ['not an Error', { code: 'UND_ERR_SOCKET', message: 'bad response' }, false],
  ];
  for (const [name, err, expected] of cases) {
    await t.test(name, () => assert.equal(isDesyncEvidence(err), expected));
  }
});

class FakeSocket extends EventEmitter {
  errored: Error | null = null;

  close(error: Error | null): void {
    this.errored = error;
    this.emit('close');
  }
}

function openTerm(): { socket: FakeSocket; term: ConnectionTerm; reports: DesyncReport[] } {
  const socket = new FakeSocket();
  const reports: DesyncReport[] = [];
  return { socket, term: new ConnectionTerm(socket, (report) => reports.push(report)), reports };
}

test('ConnectionTerm: a desynced close takes back everything tracked and reports once', () => {
  const { socket, term, reports } = openTerm();
  const revoked: string[] = [];
  term.track(() => revoked.push('/a'));
  term.track(() => revoked.push('/b'));
  assert.equal(term.isDesynced, false);
  const error = new errors.SocketError('bad response');
  socket.close(error);
  assert.equal(term.isDesynced, true);
  assert.deepEqual(revoked, ['/a', '/b']);
  assert.deepEqual(reports, [{ error, revoked: 2 }]);
  term.track(() => revoked.push('/late'));
  assert.deepEqual(revoked, ['/a', '/b', '/late'], 'tracked after the desync: taken back at once');
});

test('ConnectionTerm: a clean close confirms what it carried', () => {
  const { socket, term, reports } = openTerm();
  const revoked: string[] = [];
  term.track(() => revoked.push('/a'));
  socket.close(new errors.InformationalError('socket idle timeout'));
  term.track(() => revoked.push('/b'));
  assert.equal(term.isDesynced, false);
  assert.deepEqual(revoked, []);
  assert.deepEqual(reports, []);
});

test('ConnectionTerm: an anomaly in the read that ended a response counts before the close', () => {
  const { socket, term, reports } = openTerm();
  // undici destroys the socket synchronously while parsing; 'close' follows in a later phase.
  socket.errored = new errors.SocketError('bad response');
  assert.equal(term.isDesynced, true);
  const revoked: string[] = [];
  term.track(() => revoked.push('/a'));
  assert.deepEqual(revoked, ['/a']);
  assert.deepEqual(reports, []);
});

test('ConnectionTerm: remembers at most MAX_TRACKED entries, forgetting the oldest', () => {
  const { socket, term, reports } = openTerm();
  const revoked: number[] = [];
  for (let i = 0; i <= MAX_TRACKED; i++) term.track(() => revoked.push(i));
  socket.close(new errors.HTTPParserError('Response does not match the HTTP/1.1 protocol'));
  assert.equal(revoked.length, MAX_TRACKED / 2 + 1);
  assert.equal(revoked[0], MAX_TRACKED / 2);
  assert.equal(revoked.at(-1), MAX_TRACKED);
  assert.equal(reports[0]?.revoked, MAX_TRACKED / 2 + 1);
});

test('ConnectionTag: no connection until a client takes the request', () => {
  assert.equal(new ConnectionTag().term, undefined);
});
