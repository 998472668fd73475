import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUDIENCE,
  EC_ISSUER,
  INVALID_REQUEST,
  INVALID_TOKEN,
  MALFORMED,
  MISSING_CHALLENGE,
  PEM_ISSUER,
  bearer,
  buildClaims,
  craft,
  exchange,
  fetchJwksPem,
  nowSec,
  rawExchange,
  readStatuses,
  runCases,
  signHs256,
  startAuthStack,
  type AttackCase,
  type AuthStack,
} from './harness.ts';

const flip = (token: string, part: 0 | 1 | 2): string => {
  const parts = token.split('.');
  const text = parts[part] as string;
  const at = Math.floor(text.length / 2);
  parts[part] = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
  return parts.join('.');
};
const headerOf = (token: string): string => token.split('.')[0] as string;
const payloadOf = (token: string): string => token.split('.')[1] as string;
const claimsFor = (s: AuthStack, claims: Record<string, unknown> = {}): Record<string, unknown> => buildClaims(s.issuer.issuer, claims);

const extraction: AttackCase[] = [
  {
    name: 'no Authorization field → 401, challenge without error (RFC 6750 §3.1)',
    fields: () => [],
    status: 401,
    challenge: MISSING_CHALLENGE,
  },
  {
    name: 'empty Bearer credentials → 401, challenge without error (RFC 6750 §3.1: no authentication information)',
    fields: () => [['authorization', 'Bearer']],
    status: 401,
    challenge: MISSING_CHALLENGE,
  },
  {
    name: 'Bearer followed by spaces only → 401, challenge without error (RFC 6750 §3.1)',
    fields: () => [['authorization', 'Bearer    ']],
    status: 401,
    challenge: MISSING_CHALLENGE,
  },
  {
    name: 'Basic scheme → 401 without error attribute (RFC 6750 §3.1)',
    fields: () => [['authorization', 'Basic YWxpY2U6c2VjcmV0']],
    status: 401,
    challenge: MISSING_CHALLENGE,
  },
  {
    name: 'valid JWT under another scheme (Token) → 401 (RFC 6750 §2.1)',
    fields: async (s) => [['authorization', `Token ${await s.issuer.sign()}`]],
    status: 401,
    challenge: MISSING_CHALLENGE,
  },
  {
    name: 'lower-case "bearer" scheme is accepted (RFC 9110 §11.1 case-insensitive)',
    fields: async (s) => [['authorization', `bearer ${await s.issuer.sign()}`]],
    status: 200,
    subject: 'alice',
  },
  {
    name: 'upper-case "BEARER" scheme is accepted (RFC 9110 §11.1)',
    fields: async (s) => [['authorization', `BEARER ${await s.issuer.sign()}`]],
    status: 200,
    subject: 'alice',
  },
  {
    name: 'two Authorization fields, both valid → 400 invalid_request (RFC 6750 §3.1)',
    fields: async (s) => [
      ['authorization', `Bearer ${await s.issuer.sign({ sub: 'alice' })}`],
      ['authorization', `Bearer ${await s.issuer.sign({ sub: 'bob' })}`],
    ],
    status: 400,
    challenge: INVALID_REQUEST,
  },
  {
    name: 'Basic then Bearer in two fields → 400 invalid_request (RFC 6750 §3.1)',
    fields: async (s) => [
      ['authorization', 'Basic YWxpY2U6c2VjcmV0'],
      ['authorization', `Bearer ${await s.issuer.sign()}`],
    ],
    status: 400,
    challenge: INVALID_REQUEST,
  },
  {
    name: 'two tokens in one field ("Bearer a, Bearer b") → 400/401 (RFC 9110 §11.4 token68)',
    fields: async (s) => [['authorization', `Bearer ${await s.issuer.sign()}, Bearer ${await s.issuer.sign({ sub: 'bob' })}`]],
    status: [400, 401],
    challenge: MALFORMED,
  },
  {
    name: 'access_token in the query string → never read: 401, challenge without error (RFC 6750 §2.3, §3.1, §5.3)',
    path: async (s) => `/v1/things?access_token=${await s.issuer.sign()}`,
    fields: () => [],
    status: 401,
    challenge: MISSING_CHALLENGE,
  },
  {
    name: 'ACCESS%5FTOKEN (encoded, upper-case) in the query plus a valid header → 400 (RFC 6750 §3.1 two methods)',
    path: '/v1/things?ACCESS%5FTOKEN=x',
    fields: async (s) => bearer(await s.issuer.sign()),
    status: 400,
    challenge: INVALID_REQUEST,
  },
  {
    name: 'access_token in a form body is never read (RFC 6750 §2.2 unsupported) → 401',
    method: 'POST',
    body: async (s) => `access_token=${await s.issuer.sign()}`,
    fields: () => [['content-type', 'application/x-www-form-urlencoded']],
    status: 401,
    challenge: MISSING_CHALLENGE,
  },
  {
    name: 'token in a cookie on a route without tokenCookie → 401',
    fields: async (s) => [['cookie', `access_token=${await s.issuer.sign()}; token=${await s.issuer.sign()}`]],
    status: 401,
    challenge: MISSING_CHALLENGE,
  },
  {
    name: 'whitespace inside the token → 400/401 (RFC 6750 §2.1 b64token)',
    fields: async (s) => [['authorization', `Bearer ${(await s.issuer.sign()).replace('.', '. ')}`]],
    status: [400, 401],
    challenge: MALFORMED,
  },
  {
    name: 'garbage characters → 400/401 (RFC 6750 §2.1 b64token)',
    fields: () => [['authorization', 'Bearer !!!.@@@.###']],
    status: [400, 401],
    challenge: MALFORMED,
  },
  {
    name: 'garbage base64url in three parts → 401 invalid_token (RFC 7515 §7.1)',
    fields: () => [['authorization', 'Bearer abc.def.ghi']],
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'opaque token with no introspection provider → 401 invalid_token',
    fields: () => [['authorization', 'Bearer 2YotnFZFEjr1zCsicMWpAA']],
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'JWE-shaped token (five parts) → 401 (RFC 7516 §7.1)',
    fields: () => [['authorization', 'Bearer eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d']],
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'payload that is a JSON array → 401 (RFC 7519 §7.2 step 10)',
    fields: (s) => bearer(s.pem.sign({ alg: 'RS256' }, [1, 2])),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'oversized token (9000 bytes > maxTokenBytes) → 401 or 431',
    fields: () => [['authorization', `Bearer ${'a'.repeat(4500)}.${'b'.repeat(4500)}.c`]],
    status: [401, 431],
  },
];

const claims: AttackCase[] = [
  {
    name: 'expired token → 401 invalid_token (RFC 7519 §4.1.4)',
    fields: async (s) => bearer(await s.issuer.sign({ exp: nowSec() - 120, iat: nowSec() - 600 })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'expired 10 s ago, within the 30 s tolerance → passes (RFC 7519 §4.1.4 leeway)',
    fields: async (s) => bearer(await s.issuer.sign({ exp: nowSec() - 10, iat: nowSec() - 600 })),
    status: 200,
    subject: 'alice',
  },
  {
    name: 'nbf 2 min in the future → 401 (RFC 7519 §4.1.5)',
    fields: (s) => bearer(s.pem.token({ nbf: nowSec() + 120 })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'iat an hour in the future → 401 (RFC 7519 §4.1.6)',
    fields: async (s) => bearer(await s.issuer.sign({ iat: nowSec() + 3600, exp: nowSec() + 7200 })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'no exp at all → 401 (required claim)',
    fields: (s) => bearer(s.pem.token({ exp: undefined })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'unknown issuer → 401 (RFC 7519 §4.1.1)',
    fields: async (s) => bearer(await s.issuer.sign({ iss: 'https://evil.test' })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'issuer with a trailing slash → 401 (exact string match, RFC 7519 §4.1.1)',
    fields: async (s) => bearer(await s.issuer.sign({ iss: `${s.issuer.issuer}/` })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: "iss of the PEM provider, signed by the JWKS issuer's key → 401 (issuer confusion)",
    fields: async (s) => bearer(await s.issuer.sign({ iss: PEM_ISSUER })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'wrong aud → 401 (RFC 8725 §3.9)',
    fields: async (s) => bearer(await s.issuer.sign({ aud: 'someone-else' })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'aud array without ours → 401 (RFC 7519 §4.1.3)',
    fields: async (s) => bearer(await s.issuer.sign({ aud: ['a', 'b'] })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'aud array containing ours → passes (RFC 7519 §4.1.3)',
    fields: async (s) => bearer(await s.issuer.sign({ aud: ['other', AUDIENCE] })),
    status: 200,
    subject: 'alice',
  },
  {
    name: 'exp as a string → 401 (RFC 7519 §2 NumericDate)',
    fields: (s) => bearer(s.pem.token({ exp: String(nowSec() + 300) })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'iat as a string → 401 (RFC 7519 §2 NumericDate)',
    fields: (s) => bearer(s.pem.token({ iat: String(nowSec()) })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'sub as a number → 401 (RFC 7519 §4.1.2 StringOrURI)',
    fields: (s) => bearer(s.pem.token({ sub: 42 })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'scope as an array → 401 (RFC 8693 §4.2 space-separated string)',
    fields: (s) => bearer(s.pem.token({ scope: ['read'] })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'scp as a string → 401 (array of strings expected)',
    fields: (s) => bearer(s.pem.token({ scope: undefined, scp: 'read' })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'aud as a number → 401 (RFC 7519 §4.1.3)',
    fields: (s) => bearer(s.pem.token({ aud: 7 })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'duplicate "sub" keys in a signed payload: refused, or the lexically last wins consistently (RFC 7515 §5.2)',
    fields: (s) => {
      const json = JSON.stringify(buildClaims(PEM_ISSUER, { sub: 'alice' })).replace('"sub":"alice"', '"sub":"alice","sub":"mallory"');
      return bearer(s.pem.sign({ alg: 'RS256', typ: 'JWT' }, json));
    },
    status: [200, 401],
    subject: 'mallory',
  },
  {
    name: 'duplicate "alg" keys, last one "none" → 401 (RFC 7515 §5.2)',
    fields: (s) => bearer(s.pem.sign('{"alg":"RS256","typ":"JWT","alg":"none"}', buildClaims(PEM_ISSUER))),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'typ "at+jwt" is accepted (RFC 9068 §2.1)',
    fields: (s) => bearer(s.pem.token({}, { typ: 'at+jwt' })),
    status: 200,
    subject: 'alice',
  },
  {
    name: 'no typ is accepted (RFC 7519 §5.1 optional)',
    fields: (s) => bearer(s.pem.token({}, { typ: undefined })),
    status: 200,
    subject: 'alice',
  },
  {
    name: 'typ as a number → 401 (RFC 7515 §4.1.9 string)',
    fields: (s) => bearer(s.pem.token({}, { typ: 1 })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
];

const signatures: AttackCase[] = [
  {
    name: 'tampered payload (sub root, scope admin) → 401 (RFC 7515 §5.2)',
    fields: async (s) => {
      const good = await s.issuer.sign();
      const forged = Buffer.from(JSON.stringify(claimsFor(s, { sub: 'root', scope: 'admin read' }))).toString('base64url');
      return bearer(`${headerOf(good)}.${forged}.${good.split('.')[2]}`);
    },
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'one character of the payload changed → 401',
    fields: async (s) => bearer(flip(await s.issuer.sign(), 1)),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'one character of the signature changed → 401',
    fields: async (s) => bearer(flip(await s.issuer.sign(), 2)),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'signature stripped, trailing dot kept → 401',
    fields: async (s) => bearer((await s.issuer.sign()).replace(/[^.]+$/, '')),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'signature and its dot stripped (two parts) → 401',
    fields: async (s) => bearer((await s.issuer.sign()).replace(/\.[^.]+$/, '')),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  ...['none', 'None', 'NONE', 'nOnE'].map(
    (alg): AttackCase => ({
      name: `alg "${alg}" without a signature → 401 (RFC 8725 §3.1)`,
      fields: (s) => bearer(craft({ alg, typ: 'JWT' }, claimsFor(s))),
      status: 401,
      challenge: INVALID_TOKEN,
    }),
  ),
  {
    name: 'alg "none" keeping the original signature → 401 (RFC 8725 §3.1)',
    fields: async (s) => {
      const good = await s.issuer.sign();
      return bearer(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payloadOf(good)}.${good.split('.')[2]}`);
    },
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: "HS256 signed with the PEM provider's public key as the secret → 401 (key confusion, RFC 8725 §2.1)",
    fields: (s) => bearer(signHs256(s.pem.pem, { alg: 'HS256', typ: 'JWT' }, buildClaims(PEM_ISSUER))),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'HS256 signed with the JWKS key as PEM → 401 (key confusion, RFC 8725 §2.1)',
    fields: async (s) => bearer(signHs256(await fetchJwksPem(s.issuer.jwksUri), { alg: 'HS256', typ: 'JWT', kid: 'key-1' }, claimsFor(s))),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'RS256 token presented to the ES256-only provider → 401 (RFC 8725 §3.1 algorithm allow-list)',
    fields: (s) => bearer(s.pem.sign({ alg: 'RS256', typ: 'JWT' }, buildClaims(EC_ISSUER))),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'unknown kid → 401',
    fields: async (s) => bearer(await s.issuer.sign({}, { kid: 'not-a-key' })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  ...(['jwk', 'jku', 'x5u', 'x5c'] as const).map(
    (name): AttackCase => ({
      name: `embedded "${name}" header pointing at the attacker's key → 401 (RFC 8725 §3.10)`,
      fields: async (s) => {
        const value =
          name === 'jwk' ? { kty: 'oct', k: 'AAAA' } : name === 'x5c' ? ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] : s.issuer.jwksUri;
        return bearer(s.pem.token({}, { [name]: value }));
      },
      status: 401,
      challenge: INVALID_TOKEN,
    }),
  ),
  {
    name: 'unknown critical extension → 401 (RFC 7515 §4.1.11)',
    fields: (s) => bearer(s.pem.token({}, { crit: ['x-magic'], 'x-magic': true })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'empty crit list → 401 (RFC 7515 §4.1.11)',
    fields: (s) => bearer(s.pem.token({}, { crit: [] })),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'valid ES256 token → passes (control for the ECDSA cases)',
    fields: (s) => bearer(s.ec.token({ sub: 'erin' })),
    status: 200,
    subject: 'erin',
  },
  {
    name: 'ES256 all-zero signature → 401 (CVE-2022-21449 "psychic signatures")',
    fields: () => bearer(craft({ alg: 'ES256', typ: 'JWT' }, buildClaims(EC_ISSUER), Buffer.alloc(64).toString('base64url'))),
    status: 401,
    challenge: INVALID_TOKEN,
  },
  {
    name: 'ES256 signature in DER instead of R||S → 401 (RFC 7518 §3.4)',
    fields: (s) => {
      const token = s.ec.token();
      const raw = Buffer.from(token.split('.')[2] as string, 'base64url');
      const int = (b: Buffer): Buffer => ((b[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
      const r = int(raw.subarray(0, 32));
      const sv = int(raw.subarray(32));
      const der = Buffer.concat([Buffer.from([0x30, r.length + sv.length + 4, 0x02, r.length]), r, Buffer.from([0x02, sv.length]), sv]);
      return bearer(token.replace(/[^.]+$/, der.toString('base64url')));
    },
    status: 401,
    challenge: INVALID_TOKEN,
  },
];

test('token attacks on a jwt route: refused with 401/400 and a Bearer challenge, never forwarded', async (t) => {
  const stack = await startAuthStack(t);
  await runCases(t, stack, extraction);
  await runCases(t, stack, claims);
  await runCases(t, stack, signatures);

  await t.test('a flood of 50 unknown kids costs at most one JWKS fetch (cooldown, RFC 8725 §3.10)', async () => {
    await exchange(`${stack.url}/v1/warm`, { fields: bearer(await stack.issuer.sign()) });
    const before = stack.issuer.jwksFetches();
    const seen = stack.origin.count();
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => stack.issuer.sign({}, { kid: `rotated-${i}` })));
    const answers = await Promise.all(tokens.map((token) => exchange(`${stack.url}/v1/things`, { fields: bearer(token) })));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([401]));
    assert.ok(stack.issuer.jwksFetches() - before <= 1, `JWKS fetched ${stack.issuer.jwksFetches() - before} times`);
    assert.equal(stack.origin.count(), seen);
  });

  await t.test('an Authorization field over the header limit → 431 (RFC 6585 §5), nothing forwarded', async () => {
    const seen = stack.origin.count();
    const raw = await rawExchange(stack.url, `GET /v1/things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.deepEqual(readStatuses(raw).slice(0, 1), [431]);
    assert.equal(stack.origin.count(), seen);
  });

  await t.test('a refused token is not accepted on retry from the verification cache', async () => {
    const seen = stack.origin.count();
    const good = await stack.issuer.sign();
    const bad = flip(good, 2);
    assert.equal((await exchange(`${stack.url}/v1/things`, { fields: bearer(bad) })).status, 401);
    assert.equal((await exchange(`${stack.url}/v1/things`, { fields: bearer(good) })).status, 200);
    assert.equal((await exchange(`${stack.url}/v1/things`, { fields: bearer(bad) })).status, 401);
    assert.equal(stack.origin.count(), seen + 1);
  });
});
