import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grantScopes, parseTokenRequest } from '../../../examples/threat-intel/token-request.ts';
import { parseThreatInput } from '../../../examples/threat-intel/threat-input.ts';
import { parseIdempotencyKey, parseThreatId } from '../../../examples/threat-intel/threat-routes.ts';
import { generateDefinitions } from '../../../examples/threat-intel/definitions.ts';
import { parsePortFlag, parseSizeFlag } from '../../../examples/threat-intel/cli.ts';

const form = (text: string): Buffer => Buffer.from(text);
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

test('parseTokenRequest: client credentials from the body or Basic (RFC 6749 §2.3.1, §4.4.2, §5.2)', () => {
  const cases: Array<{ name: string; type: string; body: string; authorization?: string; expect: unknown }> = [
    {
      name: '§4.4.2 form body',
      type: 'application/x-www-form-urlencoded',
      body: 'grant_type=client_credentials&client_id=a&client_secret=s',
      expect: { clientId: 'a', clientSecret: 's', scope: undefined },
    },
    {
      name: '§4.4.2 JSON body (demo convenience)',
      type: 'application/json',
      body: '{"client_id":"a","client_secret":"s","scope":"x y"}',
      expect: { clientId: 'a', clientSecret: 's', scope: ['x', 'y'] },
    },
    {
      name: '§2.3.1 Basic credentials, form-urlencoded inside',
      type: 'application/x-www-form-urlencoded',
      body: 'grant_type=client_credentials',
      authorization: basic('a%3Ab', 's+1'),
      expect: { clientId: 'a:b', clientSecret: 's 1', scope: undefined },
    },
    {
      name: '§2.3 two authentication methods',
      type: 'application/x-www-form-urlencoded',
      body: 'client_secret=s',
      authorization: basic('a', 's'),
      expect: 'invalid_request',
    },
    {
      name: '§5.2 other grant types',
      type: 'application/json',
      body: '{"grant_type":"password","client_id":"a","client_secret":"s"}',
      expect: 'unsupported_grant_type',
    },
    { name: '§5.2 missing secret', type: 'application/json', body: '{"client_id":"a"}', expect: 'invalid_client' },
    { name: '§5.2 non-string field', type: 'application/json', body: '{"client_id":1,"client_secret":"s"}', expect: 'invalid_request' },
    { name: '§5.2 unsupported media type', type: 'text/plain', body: 'client_id=a', expect: 'invalid_request' },
  ];
  for (const { name, type, body, authorization, expect } of cases) {
    const result = parseTokenRequest(type, form(body), authorization);
    if (typeof expect === 'string') {
      assert.equal(result.ok, false, name);
      if (!result.ok) assert.equal(result.error.error, expect, name);
    } else {
      assert.deepEqual(result, { ok: true, request: expect }, name);
    }
  }
});

test('grantScopes: requested scopes must be a subset of the allowed ones (RFC 6749 §3.3)', () => {
  const allowed = ['threats:read', 'scans:read'];
  assert.deepEqual(grantScopes(allowed, undefined), allowed);
  assert.deepEqual(grantScopes(allowed, ['scans:read', 'scans:read']), ['scans:read']);
  assert.equal(grantScopes(allowed, ['threats:write']), undefined);
  assert.equal(grantScopes(allowed, ['threats:rea']), undefined);
});

test('parseThreatInput: every problem is reported with a JSON Pointer (RFC 6901, RFC 9457 §3.2 extensions)', () => {
  const valid = { name: ' A ', family: 'Worm', severity: 'low', description: 'd' };
  assert.deepEqual(parseThreatInput(valid), { ok: true, input: { ...valid, name: 'A' } });
  assert.deepEqual(parseThreatInput({ ...valid, id: 9, version: 3, updatedAt: 'x' }), { ok: true, input: { ...valid, name: 'A' } });
  const cases: Array<[unknown, string[]]> = [
    [[], ['']],
    [{ ...valid, severity: 'extreme' }, ['/severity']],
    [{ ...valid, name: 'x'.repeat(201) }, ['/name']],
    [{ ...valid, family: 3 }, ['/family']],
    [{ ...valid, extra: true }, ['/extra']],
    [{}, ['/name', '/family', '/severity', '/description']],
  ];
  for (const [input, pointers] of cases) {
    const result = parseThreatInput(input);
    assert.equal(result.ok, false, JSON.stringify(input));
    if (!result.ok)
      assert.deepEqual(
        result.problems.map((problem) => problem.pointer),
        pointers,
      );
  }
});

test('parseIdempotencyKey: a token or an sf-string (draft-ietf-httpapi-idempotency-key-header §2, RFC 8941 §3.3.3)', () => {
  const cases: Array<[string | string[] | undefined, string | undefined]> = [
    [undefined, undefined],
    ['abc-123', 'abc-123'],
    ['"8e03978e-40d5-43e8-bc93-6894a57f9324"', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['', 'invalid'],
    ['""', 'invalid'],
    ['has space', 'invalid'],
    ['x'.repeat(256), 'invalid'],
    [['a', 'b'], 'invalid'],
  ];
  for (const [value, expected] of cases) assert.equal(parseIdempotencyKey(value), expected, String(value));
});

test('parseThreatId: positive decimal ids only', () => {
  assert.equal(parseThreatId('7'), 7);
  for (const segment of ['0', '07', '-1', '1.5', '1e3', '', 'x', '9'.repeat(16)]) assert.equal(parseThreatId(segment), undefined, segment);
});

test('generateDefinitions: deterministic content and a strong ETag from its hash (RFC 9110 §8.8.3)', () => {
  const first = generateDefinitions(1000);
  const second = generateDefinitions(1000);
  assert.equal(first.body.length, 1000);
  assert.deepEqual(first.body, second.body);
  assert.equal(first.etag, second.etag);
  assert.match(first.body.subarray(0, 64).toString('latin1'), /^SIG 00000001 [0-9a-f]{50}\n$/);
  assert.notEqual(generateDefinitions(999).etag, first.etag);
  assert.equal(generateDefinitions(0).body.length, 0);
});

test('CLI flags: ports and sizes', () => {
  assert.equal(parsePortFlag(undefined, 3000), 3000);
  assert.equal(parsePortFlag('0', 3000), 0);
  for (const bad of ['65536', '-1', 'http', '']) assert.throws(() => parsePortFlag(bad, 3000), { name: 'UsageError' });
  assert.equal(parseSizeFlag('--size', '1048576', 1), 1048576);
  assert.equal(parseSizeFlag('--size', '50MiB', 1), 50 * 1024 * 1024);
  assert.equal(parseSizeFlag('--size', '10MB', 1), 10_000_000);
  assert.equal(parseSizeFlag('--size', undefined, 7), 7);
  for (const bad of ['5Mb', '1.5MiB', '3GiB', 'big']) assert.throws(() => parseSizeFlag('--size', bad, 1), { name: 'UsageError' });
});
