import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INVALID_TOKEN, MISSING_CHALLENGE, bearer, lastEcho, runCases, startAuthStack, type AttackCase } from './harness.ts';

const insufficient = (scope: string): RegExp => new RegExp(`^Bearer realm="cachet", error="insufficient_scope".*, scope="${scope}"$`);
const CLAIM_MISMATCH = /^Bearer realm="cachet", error="insufficient_scope"/;

const cases: AttackCase[] = [
  {
    name: 'read token on an admin route → 403 insufficient_scope, scope="admin" (RFC 6750 §3.1)',
    path: '/v1/admin/users',
    fields: (s) => bearer(s.pem.token({ scope: 'read' })),
    status: 403,
    challenge: insufficient('admin'),
  },
  {
    name: 'POST with a read token on an admin route → 403 (RFC 6750 §3.1)',
    method: 'POST',
    body: '{}',
    path: '/v1/admin/users',
    fields: (s) => bearer(s.pem.token({ scope: 'read write' })),
    status: 403,
    challenge: insufficient('admin'),
  },
  {
    name: 'no scope claim at all → 403 scope="read" (RFC 6750 §3.1)',
    fields: (s) => bearer(s.pem.token({ scope: undefined })),
    status: 403,
    challenge: insufficient('read'),
  },
  {
    name: '"reader" is not "read" (exact match, RFC 6749 §3.3)',
    fields: (s) => bearer(s.pem.token({ scope: 'reader' })),
    status: 403,
    challenge: insufficient('read'),
  },
  {
    name: '"read:all" is not "read" (RFC 6749 §3.3)',
    fields: (s) => bearer(s.pem.token({ scope: 'read:all' })),
    status: 403,
    challenge: insufficient('read'),
  },
  {
    name: '"READ" is not "read" (scopes are case-sensitive, RFC 6749 §3.3)',
    fields: (s) => bearer(s.pem.token({ scope: 'READ' })),
    status: 403,
    challenge: insufficient('read'),
  },
  {
    name: '"threats:readwrite" is not "threats:read" (RFC 6749 §3.3)',
    path: '/v1/threats/7',
    fields: (s) => bearer(s.pem.token({ scope: 'threats:readwrite' })),
    status: 403,
    challenge: insufficient('threats:read'),
  },
  {
    name: '"threats" is not "threats:read" (RFC 6749 §3.3)',
    path: '/v1/threats/7',
    fields: (s) => bearer(s.pem.token({ scope: 'threats threats:write' })),
    status: 403,
    challenge: insufficient('threats:read'),
  },
  {
    name: '"threats:read" passes its route (RFC 6749 §3.3)',
    path: '/v1/threats/7',
    fields: (s) => bearer(s.pem.token({ scope: 'threats:read' })),
    status: 200,
    subject: 'alice',
  },
  {
    name: 'comma-separated "read,admin" grants neither (RFC 6749 §3.3 space-delimited)',
    path: '/v1/admin/x',
    fields: (s) => bearer(s.pem.token({ scope: 'read,admin' })),
    status: 403,
    challenge: insufficient('admin'),
  },
  {
    name: 'tab-separated "read\\tadmin" grants no "admin" (RFC 6749 §3.3 %x20 only)',
    path: '/v1/admin/x',
    fields: (s) => bearer(s.pem.token({ scope: 'read\tadmin' })),
    status: 403,
    challenge: insufficient('admin'),
  },
  {
    name: 'scope via the scp array passes',
    fields: (s) => bearer(s.pem.token({ scope: undefined, scp: ['read'] })),
    status: 200,
    subject: 'alice',
  },
  {
    name: 'scp array with admin passes the admin route',
    path: '/v1/admin/x',
    fields: (s) => bearer(s.pem.token({ scope: undefined, scp: ['admin', 'read'] })),
    status: 200,
    subject: 'alice',
  },
  {
    name: 'scp cannot add to a present scope claim ("read" + scp [admin]) → 403',
    path: '/v1/admin/x',
    fields: (s) => bearer(s.pem.token({ scope: 'read', scp: ['admin'] })),
    status: 403,
    challenge: insufficient('admin'),
  },
  {
    name: 'all scopes required: read only on a read+write route → 403 scope="read write"',
    path: '/v1/multi/x',
    fields: (s) => bearer(s.pem.token({ scope: 'read' })),
    status: 403,
    challenge: insufficient('read write'),
  },
  {
    name: 'read and write in any order pass a read+write route',
    path: '/v1/multi/x',
    fields: (s) => bearer(s.pem.token({ scope: 'write read' })),
    status: 200,
    subject: 'alice',
  },
  {
    name: 'tenant claim mismatch → 403',
    path: '/v1/tenant/x',
    fields: (s) => bearer(s.pem.token({ tenant: 'evil' })),
    status: 403,
    challenge: CLAIM_MISMATCH,
  },
  { name: 'tenant claim absent → 403', path: '/v1/tenant/x', fields: (s) => bearer(s.pem.token()), status: 403, challenge: CLAIM_MISMATCH },
  {
    name: 'tenant claim with other case ("ACME") → 403',
    path: '/v1/tenant/x',
    fields: (s) => bearer(s.pem.token({ tenant: 'ACME' })),
    status: 403,
    challenge: CLAIM_MISMATCH,
  },
  {
    name: 'tenant claim as an array ["acme"] → 403 (type-sensitive)',
    path: '/v1/tenant/x',
    fields: (s) => bearer(s.pem.token({ tenant: ['acme'] })),
    status: 403,
    challenge: CLAIM_MISMATCH,
  },
  {
    name: 'tenant claim as an object {"toString": "acme"} → 403',
    path: '/v1/tenant/x',
    fields: (s) => bearer(s.pem.token({ tenant: { toString: 'acme' } })),
    status: 403,
    challenge: CLAIM_MISMATCH,
  },
  {
    name: 'tenant "acme" passes; the upstream sees X-Auth-Tenant: acme',
    path: '/v1/tenant/x',
    fields: (s) => bearer(s.pem.token({ tenant: 'acme' })),
    status: 200,
    subject: 'alice',
    check: (_res, s) => assert.equal(lastEcho(s.origin).headers['x-auth-tenant'], 'acme'),
  },
  {
    name: 'optional route without a token passes anonymously, no identity upstream',
    path: '/v1/opt/x',
    fields: () => [],
    status: 200,
    subject: null,
    check: (_res, s) => assert.equal(lastEcho(s.origin).headers['x-auth-scopes'], undefined),
  },
  {
    name: 'optional route with a bad token → 401, not anonymous (RFC 6750 §3.1)',
    path: '/v1/opt/x',
    fields: (s) => bearer(`${s.pem.token()}x`),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'optional route with an expired token → 401, not anonymous',
    path: '/v1/opt/x',
    fields: (s) => bearer(s.pem.token({ exp: 1000, iat: 900 })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'optional route with a valid token carries its identity',
    path: '/v1/opt/x',
    fields: (s) => bearer(s.pem.token({ sub: 'olga' })),
    status: 200,
    subject: 'olga',
  },
  {
    name: "forbidden answers carry a problem body, never the upstream's",
    path: '/v1/admin/x',
    fields: (s) => bearer(s.pem.token()),
    status: 403,
    check: (res) => assert.equal(JSON.parse(res.text).code, 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE'),
  },
  {
    name: 'no token on a scoped route → 401, not 403 (RFC 6750 §3.1)',
    path: '/v1/admin/x',
    fields: () => [],
    status: 401,
    challenge: MISSING_CHALLENGE,
  },
];

test('authorization attacks: scope and claim tricks → 403 insufficient_scope, never forwarded', async (t) => {
  const stack = await startAuthStack(t);
  await runCases(t, stack, cases);
});
