import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bearer,
  lastEcho,
  rawExchange,
  readStatuses,
  runCases,
  startAuthStack,
  type AttackCase,
  type AuthStack,
  type Echo,
  type FieldLines,
} from './harness.ts';

const spoofed: FieldLines = [
  ['X-Auth-Subject', 'mallory'],
  ['x-auth-scopes', 'admin'],
  ['X-AUTH-TENANT', 'acme'],
];

const sees =
  (check: (echo: Echo) => void) =>
  (_res: unknown, s: AuthStack): void =>
    check(lastEcho(s.origin));

const identity: AttackCase[] = [
  {
    name: 'jwt route: client X-Auth-Subject/-Scopes/-Tenant (mixed case) replaced by the verified identity',
    fields: (s) => [...spoofed, ...bearer(s.pem.token({ sub: 'alice', scope: 'read' }))],
    status: 200,
    subject: 'alice',
    check: sees((echo) => {
      assert.equal(echo.headers['x-auth-scopes'], 'read');
      assert.equal(echo.headers['x-auth-tenant'], undefined);
    }),
  },
  {
    name: 'jwt route: duplicated X-Auth-Subject lines collapse to the one verified value',
    fields: (s) => [['x-auth-subject', 'mallory'], ['X-Auth-Subject', 'root'], ...bearer(s.pem.token({ sub: 'alice' }))],
    status: 200,
    subject: 'alice',
  },
  {
    name: 'jwt route: a token without tenant cannot keep a client-sent X-Auth-Tenant',
    path: '/v1/things',
    fields: (s) => [['x-auth-tenant', 'acme'], ...bearer(s.pem.token())],
    status: 200,
    check: sees((echo) => assert.equal(echo.headers['x-auth-tenant'], undefined)),
  },
  {
    name: 'auth:none route: every identity field is removed',
    path: '/public/x',
    fields: () => [...spoofed, ['x-auth-subject', 'root']],
    status: 200,
    subject: null,
    check: sees((echo) => {
      assert.equal(echo.headers['x-auth-scopes'], undefined);
      assert.equal(echo.headers['x-auth-tenant'], undefined);
    }),
  },
  {
    name: 'optional route, anonymous: identity fields removed',
    path: '/v1/opt/x',
    fields: () => spoofed,
    status: 200,
    subject: null,
    check: sees((echo) => assert.equal(echo.headers['x-auth-scopes'], undefined)),
  },
  {
    name: 'catch-all route: identity fields removed',
    path: '/anything',
    fields: () => spoofed,
    status: 200,
    subject: null,
  },
  {
    name: 'underscore spelling X_Auth_Subject (read as X-Auth-Subject by CGI/PHP/WSGI origins) is removed',
    path: '/public/x',
    fields: () => [
      ['X_Auth_Subject', 'mallory'],
      ['x_auth_scopes', 'admin'],
    ],
    status: 200,
    check: sees((echo) => {
      assert.equal(echo.headers['x_auth_subject'], undefined);
      assert.equal(echo.headers['x_auth_scopes'], undefined);
    }),
  },
  {
    name: 'client X-Forwarded-For/-Host/-Proto are replaced from the connection',
    path: '/public/x',
    fields: () => [
      ['x-forwarded-for', '10.9.8.7'],
      ['X-Forwarded-Host', 'evil.example'],
      ['x-forwarded-proto', 'https'],
    ],
    status: 200,
    check: sees((echo) => {
      assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
      assert.match(String(echo.headers['x-forwarded-host']), /^127\.0\.0\.1:\d+$/);
      assert.equal(echo.headers['x-forwarded-proto'], 'http');
    }),
  },
  {
    name: 'duplicated X-Forwarded-For lines are replaced, not joined',
    path: '/public/x',
    fields: () => [
      ['x-forwarded-for', '10.0.0.1'],
      ['x-forwarded-for', '10.0.0.2'],
    ],
    status: 200,
    check: sees((echo) => assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1')),
  },
  {
    name: 'Forwarded from an untrusted peer is dropped (RFC 7239 §8.1)',
    path: '/public/x',
    fields: () => [['forwarded', 'for=10.0.0.1;host=evil.example;proto=https']],
    status: 200,
    check: sees((echo) => assert.equal(echo.headers['forwarded'], undefined)),
  },
  {
    name: "Connection naming X-Forwarded-For cannot remove the gateway's own (RFC 9110 §7.6.1)",
    path: '/public/x',
    fields: () => [
      ['connection', 'x-forwarded-for, x-forwarded-host'],
      ['x-forwarded-for', '10.0.0.1'],
    ],
    status: 200,
    check: sees((echo) => {
      assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
      assert.notEqual(echo.headers['x-forwarded-host'], undefined);
    }),
  },
  {
    name: 'Connection naming X-Auth-Subject cannot remove the verified identity (RFC 9110 §7.6.1)',
    fields: (s) => [['connection', 'x-auth-subject, x-auth-scopes'], ...bearer(s.pem.token({ sub: 'alice' }))],
    status: 200,
    subject: 'alice',
  },
  {
    name: 'X-Real-IP / True-Client-IP from the client are not passed on as the client address',
    path: '/public/x',
    fields: () => [
      ['x-real-ip', '10.9.8.7'],
      ['true-client-ip', '10.9.8.7'],
    ],
    status: 200,
    check: sees((echo) => {
      assert.notEqual(echo.headers['x-real-ip'], '10.9.8.7');
      assert.notEqual(echo.headers['true-client-ip'], '10.9.8.7');
    }),
  },
  {
    name: 'Proxy-Authorization is not forwarded (RFC 9110 §11.7.2)',
    path: '/public/x',
    fields: () => [['proxy-authorization', 'Basic YWxpY2U6c2VjcmV0']],
    status: 200,
    check: sees((echo) => assert.equal(echo.headers['proxy-authorization'], undefined)),
  },
];

test('identity spoofing: client-sent identity and forwarding fields never reach the upstream as sent', async (t) => {
  const stack = await startAuthStack(t);
  await runCases(t, stack, identity);

  await t.test('a space before the colon in X-Auth-Subject → 400 (RFC 9112 §5.1), nothing forwarded', async () => {
    const seen = stack.origin.count();
    const raw = await rawExchange(stack.url, 'GET /public/x HTTP/1.1\r\nHost: x\r\nX-Auth-Subject : mallory\r\nConnection: close\r\n\r\n');
    assert.deepEqual(readStatuses(raw), [400]);
    assert.equal(stack.origin.count(), seen);
  });

  await t.test('identity sent as a chunked trailer never reaches the upstream (RFC 9110 §6.5.1)', async () => {
    const seen = stack.origin.count();
    const raw = await rawExchange(
      stack.url,
      'POST /public/t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\nX-Auth-Subject: mallory\r\n\r\n',
    );
    assert.deepEqual(readStatuses(raw), [200]);
    assert.equal(stack.origin.count(), seen + 1);
    const echo = lastEcho(stack.origin);
    assert.equal(echo.body, 'hi');
    assert.equal(echo.headers['x-auth-subject'], undefined);
  });
});
