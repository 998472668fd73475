import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeRequestTarget } from '../../../src/edge/normalize-path.ts';
import { createRouteTable } from '../../../src/edge/route-table.ts';

type Case = readonly [name: string, target: string, path: string, query?: string];

const normalised: readonly Case[] = [
  ['RFC 9112 §3.2.1 origin-form passes unchanged', '/a/b', '/a/b'],
  ['RFC 9112 §3.2.1 query kept as received', '/a?x=%2f&y=..//', '/a', '?x=%2f&y=..//'],
  ['RFC 9112 §3.2.1 root', '/', '/'],
  ['RFC 3986 §6.2.2.2 unreserved ALPHA decoded', '/%61dmin', '/admin'],
  ['RFC 3986 §6.2.2.2 tilde decoded', '/%7Euser', '/~user'],
  ['RFC 3986 §6.2.2.2 digits, hyphen, underscore decoded', '/%31%2D%5F', '/1-_'],
  ['RFC 3986 §6.2.2.1 hex of reserved triplets upper-cased', '/a%3bb%2ac', '/a%3Bb%2Ac'],
  ['RFC 3986 §6.2.2.1 hex of non-ASCII triplets upper-cased', '/caf%c3%a9', '/caf%C3%A9'],
  ['RFC 3986 §2.4 %25 stays encoded (decode once)', '/%252e%252e/admin', '/%252e%252e/admin'],
  ['RFC 3986 §5.2.4 parent segment', '/public/../admin', '/admin'],
  ['RFC 3986 §5.2.4 current segment', '/admin/./x', '/admin/x'],
  ['RFC 3986 §5.2.4 .. above root stays at /', '/../../admin', '/admin'],
  ['RFC 3986 §5.2.4 trailing .. keeps a trailing slash', '/a/b/..', '/a/'],
  ['RFC 3986 §5.2.4 trailing . keeps a trailing slash', '/a/.', '/a/'],
  ['RFC 3986 §5.2.4 all segments removed', '/a/..', '/'],
  ['RFC 3986 §5.2.4 dots inside a name are not segments', '/a/.well-known/..x/...', '/a/.well-known/..x/...'],
  ['RFC 3986 §6.2.2.3 + §2.3 %2E decoded before dot-segment removal', '/public/%2e%2e/admin', '/admin'],
  ['RFC 3986 §6.2.2.3 mixed-case %2E', '/public/%2E./admin', '/admin'],
  ['RFC 3986 §6.2.2.3 encoded current segment', '/admin/%2e/x', '/admin/x'],
  ['RFC 3986 §3.3 duplicate slashes collapse', '//admin', '/admin'],
  ['RFC 3986 §3.3 duplicate slashes collapse inside', '/a//b///c', '/a/b/c'],
  ['RFC 3986 §3.3 trailing slash kept', '/a/b/', '/a/b/'],
  ['RFC 3986 §3.3 duplicate trailing slashes collapse to one', '/a//', '/a/'],
  ['RFC 3986 §6.2.2.1 case is significant in the path', '/ADMIN', '/ADMIN'],
  ['RFC 3986 §3.3 path parameters are kept', '/a;b/c;d=1', '/a;b/c;d=1'],
  ['RFC 9112 §3.2.1 query after dot segments', '/a/../b?c=../d', '/b', '?c=../d'],
];

for (const [name, target, path, query = ''] of normalised) {
  test(`normalizeRequestTarget: ${name} (${target})`, () => {
    const result = normalizeRequestTarget(target);
    assert.deepEqual(result, { ok: true, path, query, changed: path !== target.split('?')[0] });
  });
}

const refused: readonly (readonly [name: string, target: string, reason: RegExp])[] = [
  ['RFC 9112 §3.2 empty target', '', /origin-form/],
  ['RFC 9112 §3.2 relative path', 'admin', /origin-form/],
  ['RFC 9112 §3.2.3 authority-form', 'example.com:443', /origin-form/],
  ['RFC 3986 §2.2 encoded slash %2F', '/public%2F..%2Fadmin', /encoded slash/],
  ['RFC 3986 §2.2 encoded slash lower-case %2f', '/a%2fb', /encoded slash/],
  ['RFC 3986 §2.2 encoded backslash %5C', '/public/..%5Cadmin', /encoded backslash/],
  ['RFC 3986 §2 raw backslash', '/public\\..\\admin', /backslash/],
  ['RFC 3986 §2 raw backslash in fast path', '/a\\b', /backslash/],
  ['RFC 3986 §2.1 encoded NUL', '/admin%00.html', /NUL/],
  ['RFC 3986 §2.1 encoded control', '/a%0d%0aX-Injected:1', /control/],
  ['RFC 3986 §2.1 encoded DEL', '/a%7f', /control/],
  ['RFC 3986 §2 raw control character', '/a\u0001b', /control/],
  ['RFC 3986 §2 raw space', '/a b', /control/],
  ['RFC 3986 §2 raw non-ASCII', '/café', /non-ASCII/],
  ['RFC 3986 §2 raw control in the query', '/a?b=\u0000', /control/],
  ['RFC 3986 §2.1 truncated triplet', '/a%2', /malformed/],
  ['RFC 3986 §2.1 non-hex triplet', '/a%zz', /malformed/],
  ['RFC 3986 §2.1 IIS %u encoding', '/%u002e%u002e/admin', /malformed/],
  ['RFC 3629 §3 overlong 2-byte dot %C0%AE', '/public/%c0%ae%c0%ae/admin', /overlong/],
  ['RFC 3629 §3 overlong 2-byte slash %C0%AF', '/public/..%c0%afadmin', /overlong/],
  ['RFC 3629 §3 overlong 3-byte dot %E0%80%AE', '/public/%e0%80%ae%e0%80%ae/admin', /overlong/],
  ['RFC 3629 §3 overlong 4-byte %F0%80%80%AE', '/%f0%80%80%ae', /overlong/],
  ['RFC 3629 §3 out-of-range lead byte %F8', '/%f8', /overlong/],
  ['RFC 9112 §3.2 fragment is not part of a request-target', '/a#frag', /fragment/],
  ['RFC 3986 §3.3 dot-segment with parameters', '/public/..;/admin', /parameters/],
  ['RFC 3986 §3.3 encoded dot-segment with parameters', '/public/%2e%2e;x=1/admin', /parameters/],
  ['RFC 3986 §3.3 current segment with parameters', '/public/.;/admin', /parameters/],
  ['RFC 9112 §3.2.4 asterisk-form without a method', '*', /OPTIONS/],
  ['RFC 9110 §4.2.4 userinfo in absolute-form', 'http://user@example.com/admin', /userinfo/],
  ['RFC 9112 §3.2.2 absolute-form with an empty authority', 'http:///admin', /origin-form/],
  ['RFC 9112 §3.2.2 absolute-form with another scheme', 'ftp://example.com/admin', /origin-form/],
];

for (const [name, target, reason] of refused) {
  test(`normalizeRequestTarget refuses: ${name} (${JSON.stringify(target)})`, () => {
    const result = normalizeRequestTarget(target);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.reason, reason);
  });
}

test('normalizeRequestTarget: RFC 9112 §3.2.4 asterisk-form for OPTIONS', () => {
  assert.deepEqual(normalizeRequestTarget('*', 'OPTIONS'), { ok: true, path: '*', query: '', changed: false });
  assert.equal(normalizeRequestTarget('*', 'GET').ok, false);
});

const absolute: readonly (readonly [target: string, path: string, query: string])[] = [
  ['http://example.com/a/b?x=1', '/a/b', '?x=1'],
  ['HTTPS://example.com:8443/public/../admin', '/admin', ''],
  ['http://example.com', '/', ''],
  ['http://example.com?x', '/', '?x'],
  ['http://[::1]:8080/a', '/a', ''],
];

for (const [target, path, query] of absolute) {
  test(`normalizeRequestTarget: RFC 9112 §3.2.2 absolute-form takes the path (${target})`, () => {
    assert.deepEqual(normalizeRequestTarget(target), { ok: true, path, query, changed: true });
  });
}

test('normalizeRequestTarget: fast path returns the target string itself', () => {
  const target = '/api/v1/items/42';
  const result = normalizeRequestTarget(target);
  assert.ok(result.ok);
  if (result.ok) {
    assert.equal(result.path, target);
    assert.equal(result.changed, false);
  }
});

test('normalizeRequestTarget: idempotent on its own output (RFC 3986 §6.2.2)', () => {
  for (const [, target] of normalised) {
    const once = normalizeRequestTarget(target);
    assert.ok(once.ok);
    if (!once.ok) continue;
    const twice = normalizeRequestTarget(once.path + once.query);
    assert.deepEqual(twice, { ok: true, path: once.path, query: once.query, changed: false }, target);
  }
});

/**
 * Every spelling of `/admin` reached through `/public/..` either normalises to the real target, so the
 * route table sees `/admin` and applies its route, or is refused. None may land on the public route.
 */
const adminSpellings: readonly string[] = [
  '/admin',
  '/admin/',
  '/admin/users',
  '//admin',
  '///admin//users',
  '/./admin',
  '/admin/./users',
  '/public/../admin',
  '/public/../admin/users',
  '/public/./../admin',
  '/public/x/../../admin',
  '/public/../../../admin',
  '/public//../admin',
  '/public/%2e%2e/admin',
  '/public/%2E%2E/admin',
  '/public/.%2e/admin',
  '/public/%2e./admin',
  '/public/%2e/../admin',
  '/%70ublic/../%61dmin',
  '/public/..%2fadmin',
  '/public/..%2Fadmin',
  '/public%2f..%2fadmin',
  '/public/..%5cadmin',
  '/public/..\\admin',
  '/public\\..\\admin',
  '/public/..;/admin',
  '/public/.;/../admin',
  '/public/%2e%2e;/admin',
  '/public/%252e%252e/admin',
  '/public/%c0%ae%c0%ae/admin',
  '/public/%e0%80%ae%e0%80%ae/admin',
  '/public/..%00/admin',
  '/public/..%0d%0a/admin',
  '/public/../admin#x',
  '/public/%u002e%u002e/admin',
  'http://example.com/public/../admin',
  'http://example.com//admin',
];

test('normalizeRequestTarget + route table: every /public/.. spelling of /admin reaches the admin route or is refused (RFC 3986 §5.2.4, §6.2.2)', () => {
  const table = createRouteTable([
    { path: '/admin/*', methods: undefined, name: 'admin' },
    { path: '/public/*', methods: undefined, name: 'public' },
  ]);
  for (const target of adminSpellings) {
    const result = normalizeRequestTarget(target);
    if (!result.ok) continue;
    const match = table.match(result.path, 'GET');
    // '%252e%252e' is a literal segment name, not a dot-segment: it stays under /public, which is correct
    // because the path the origin receives is that same literal one.
    if (target === '/public/%252e%252e/admin') {
      assert.equal(result.path, '/public/%252e%252e/admin');
      continue;
    }
    assert.ok(result.path === '/admin' || result.path.startsWith('/admin/'), `${target} → ${result.path}`);
    assert.equal(match.kind === 'matched' ? match.route.name : match.kind, 'admin', target);
  }
});

test('normalizeRequestTarget: the spellings the admin test relies on are refused, not silently kept', () => {
  const mustRefuse = adminSpellings.filter((target) => /%2f|%5c|\\|;|%c0|%e0|%00|%0d|#|%u/i.test(target));
  assert.ok(mustRefuse.length >= 12);
  for (const target of mustRefuse) assert.equal(normalizeRequestTarget(target).ok, false, target);
});

test('normalizeRequestTarget: a target asked again gets the same answer; refusals and other targets in between keep theirs', () => {
  const sequence: [string, string | undefined][] = [
    ['/a/../b', '/b'],
    ['/a/../b', '/b'],
    ['/a%2Fb', undefined],
    ['/a%2Fb', undefined],
    ['/a/../b', '/b'],
    ['/c?x=1', '/c'],
    ['/a/../b', '/b'],
  ];
  for (const [target, path] of sequence) {
    const result = normalizeRequestTarget(target);
    assert.equal(result.ok ? result.path : undefined, path, target);
  }
  const first = normalizeRequestTarget('/same');
  assert.equal(normalizeRequestTarget(`/${'same'}`), first, 'a repeated target reuses the result object');
});
