import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin } from '../helpers/origin.ts';
import { startGateway, send } from '../helpers/gateway.ts';
import { startIssuer } from '../helpers/tokens.ts';

// RFC 6750 §3.1 status codes as a client of the whole gateway sees them: no token → 401 without an error
// code; a malformed token → 401 invalid_token; only a malformed request → 400 invalid_request.

async function startStack(t: import('node:test').TestContext) {
  const issuer = await startIssuer(t);
  const origin = await startOrigin(t, (req, res) => {
    res.setHeader('cache-control', 'public, max-age=60');
    res.end(`${req.url} for ${req.headers['x-auth-subject'] ?? 'anyone'}`);
  });
  const { url } = await startGateway(t, [origin.url], {
    auth: { jwt: { issuer: issuer.issuer, audience: 'cachet-test', jwksUri: issuer.jwksUri, algorithms: ['RS256'] } },
    routes: [
      { path: '/public/*', upstream: 'api', auth: 'none' },
      { path: '/maybe/*', upstream: 'api', auth: 'optional' },
      { path: '/v1/*', upstream: 'api', auth: 'jwt' },
    ],
  });
  return { url, origin, issuer };
}

const noErrorChallenge = 'Bearer realm="cachet"';

test('"Bearer" with nothing after it is a request without a token: 401 without an error code (RFC 6750 §3.1)', async (t) => {
  const { url, origin } = await startStack(t);
  for (const value of ['Bearer ', 'Bearer', 'bearer   ']) {
    const res = await send(`${url}/v1/things`, { headers: { authorization: value } });
    assert.equal(res.status, 401, JSON.stringify(value));
    assert.equal(res.header('www-authenticate'), noErrorChallenge);
    assert.equal(JSON.parse(res.text).code, 'CACHET_ERR_AUTH_MISSING');
  }
  const optional = await send(`${url}/maybe/x`, { headers: { authorization: 'Bearer ' } });
  assert.equal(optional.text, '/maybe/x for anyone');
  assert.equal(origin.count('/v1/things'), 0);
});

test('a token that is not a well-formed JWT is 401 invalid_token at the edge, not 400 (RFC 6750 §3.1, RFC 7515 §7.1)', async (t) => {
  const { url, origin, issuer } = await startStack(t);
  const valid = await issuer.sign();
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  for (const token of [
    `${header}=.${payload}.${signature}`, // "=" after the header segment
    `${valid}==`, // padding: b64token allows it, base64url (RFC 7515 §2) does not
    `${header.slice(0, -1)}+.${payload}.${signature}`,
    `${header}.${payload}`,
    `${Buffer.from('not json').toString('base64url')}.${payload}.${signature}`,
    `${valid}!`,
  ]) {
    const res = await send(`${url}/v1/things`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401, token);
    assert.match(res.header('www-authenticate') ?? '', /^Bearer realm="cachet", error="invalid_token"/, token);
    // An optional route refuses a bad token too: only the absence of a token passes.
    assert.equal((await send(`${url}/maybe/x`, { headers: { authorization: `Bearer ${token}` } })).status, 401, token);
  }
  assert.equal(origin.count(), 0);
});

test('a token only in ?access_token= is not read: 401 without an error code, and never forwarded (RFC 6750 §2.3, §3.1)', async (t) => {
  const { url, origin, issuer } = await startStack(t);
  const valid = await issuer.sign();
  const required = await send(`${url}/v1/things?access_token=${valid}`);
  assert.equal(required.status, 401);
  assert.equal(required.header('www-authenticate'), noErrorChallenge);
  assert.equal(origin.count(), 0);

  // On an optional route the request carries no token: it passes without identity, minus the parameter.
  const optional = await send(`${url}/maybe/x?a=1&access_token=${valid}&b=2`);
  assert.equal(optional.status, 200);
  assert.equal(optional.text, '/maybe/x?a=1&b=2 for anyone');
  assert.equal(origin.requests.at(-1)?.url, '/maybe/x?a=1&b=2');
  const alone = await send(`${url}/maybe/y?ACCESS%5Ftoken=${valid}`);
  assert.equal(alone.text, '/maybe/y for anyone');

  // A route without authentication forwards its query untouched.
  assert.equal((await send(`${url}/public/z?access_token=abc`)).text, '/public/z?access_token=abc for anyone');
});

test('a malformed request stays 400 invalid_request: two Authorization fields, a token in two places (RFC 6750 §3.1)', async (t) => {
  const { url, origin, issuer } = await startStack(t);
  const valid = await issuer.sign();
  const inTwoPlaces = await send(`${url}/v1/things?access_token=${valid}`, { headers: { authorization: `Bearer ${valid}` } });
  assert.equal(inTwoPlaces.status, 400);
  assert.match(inTwoPlaces.header('www-authenticate') ?? '', /^Bearer realm="cachet", error="invalid_request"/);
  const twoValues = await send(`${url}/v1/things`, { headers: { authorization: `Bearer ${valid} ${valid}` } });
  assert.equal(twoValues.status, 400);
  assert.match(twoValues.header('www-authenticate') ?? '', /error="invalid_request"/);
  const twoFields = await send(`${url}/v1/things`, {
    headers: [
      ['authorization', `Bearer ${valid}`],
      ['authorization', `Bearer ${valid}`],
    ],
  });
  assert.equal(twoFields.status, 400);
  assert.match(twoFields.header('www-authenticate') ?? '', /error="invalid_request"/);
  assert.equal(origin.count(), 0);
  assert.equal((await send(`${url}/v1/things`, { headers: { authorization: `Bearer ${valid}` } })).status, 200);
});
