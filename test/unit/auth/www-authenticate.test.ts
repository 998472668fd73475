import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRefusal } from '../../../src/auth/refusal.ts';
import type { AuthErrorCode } from '../../../src/auth/types.ts';
import { formatBearerChallenge } from '../../../src/auth/www-authenticate.ts';

test('formatBearerChallenge follows RFC 6750 §3', async (t) => {
  const rows: Array<{
    name: string;
    code: AuthErrorCode;
    description?: string;
    scopes?: string[];
    realm?: string;
    expected: string | undefined;
    status: number;
  }> = [
    { name: '§3.1 no credentials: no error attribute', code: 'CACHET_ERR_AUTH_MISSING', expected: 'Bearer realm="api"', status: 401 },
    {
      name: '§3.1 invalid_request → 400',
      code: 'CACHET_ERR_AUTH_INVALID_REQUEST',
      description: 'several authorization headers',
      expected: 'Bearer realm="api", error="invalid_request", error_description="several authorization headers"',
      status: 400,
    },
    {
      name: '§3.1 invalid_token for a bad token',
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      description: 'invalid signature',
      expected: 'Bearer realm="api", error="invalid_token", error_description="invalid signature"',
      status: 401,
    },
    {
      name: '§3.1 invalid_token for expiry',
      code: 'CACHET_ERR_AUTH_EXPIRED',
      description: 'token expired',
      expected: 'Bearer realm="api", error="invalid_token", error_description="token expired"',
      status: 401,
    },
    {
      name: '§3.1 invalid_token for not-yet-valid',
      code: 'CACHET_ERR_AUTH_NOT_YET_VALID',
      description: 'x',
      expected: 'Bearer realm="api", error="invalid_token", error_description="x"',
      status: 401,
    },
    {
      name: '§3.1 invalid_token for revocation',
      code: 'CACHET_ERR_AUTH_REVOKED',
      description: 'token revoked',
      expected: 'Bearer realm="api", error="invalid_token", error_description="token revoked"',
      status: 401,
    },
    {
      name: '§3.1 invalid_token for an oversized token',
      code: 'CACHET_ERR_AUTH_TOO_LARGE',
      description: 'token too large',
      expected: 'Bearer realm="api", error="invalid_token", error_description="token too large"',
      status: 401,
    },
    {
      name: '§3.1 insufficient_scope → 403 with scope',
      code: 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE',
      description: 'insufficient scope',
      scopes: ['threats:read', 'write'],
      expected: 'Bearer realm="api", error="insufficient_scope", error_description="insufficient scope", scope="threats:read write"',
      status: 403,
    },
    {
      name: '§3.1 claim mismatch: insufficient_scope without scope',
      code: 'CACHET_ERR_AUTH_CLAIM_MISMATCH',
      description: 'a required claim does not match',
      expected: 'Bearer realm="api", error="insufficient_scope", error_description="a required claim does not match"',
      status: 403,
    },
    {
      name: '§3 error_description drops " and \\ and non-ASCII',
      code: 'CACHET_ERR_AUTH_INVALID_TOKEN',
      description: 'bad "x"\\ é\r\n',
      expected: 'Bearer realm="api", error="invalid_token", error_description="bad x "',
      status: 401,
    },
    {
      name: '§3 realm is sanitized the same way',
      code: 'CACHET_ERR_AUTH_MISSING',
      realm: 'my "realm"',
      expected: 'Bearer realm="my realm"',
      status: 401,
    },
    {
      name: '§3 scope tokens with forbidden characters are left out',
      code: 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE',
      description: 'd',
      scopes: ['ok', 'bad"one'],
      expected: 'Bearer realm="api", error="insufficient_scope", error_description="d", scope="ok"',
      status: 403,
    },
    {
      name: 'an outage is not a challenge: 503 → undefined',
      code: 'CACHET_ERR_AUTH_UNAVAILABLE',
      description: 'down',
      expected: undefined,
      status: 503,
    },
  ];
  for (const row of rows) {
    await t.test(row.name, () => {
      const refusal = createRefusal(row.code, row.description ?? '', row.scopes);
      assert.equal(refusal.status, row.status);
      assert.equal(formatBearerChallenge(row.realm ?? 'api', refusal), row.expected);
    });
  }
});
