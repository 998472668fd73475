import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload, type CryptoKey } from 'jose';

export interface Issuer {
  readonly issuer: string;
  readonly jwksUri: string;
  /** JWKS requests served so far. */
  jwksFetches(): number;
  /** Signs a token with the current key; `claims` override the defaults (sub alice, scope read, exp in 5 min). */
  sign(claims?: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

/** A real RS256 issuer: a key pair and a JWKS endpoint on 127.0.0.1, closed after the test. */
export async function startIssuer(t: TestContext, issuer = 'https://issuer.test'): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    issuer,
    jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    jwksFetches: () => fetches,
    sign: (claims = {}, header = {}) => signWith(privateKey, issuer, claims, header),
  };
}

async function signWith(key: CryptoKey, issuer: string, claims: JWTPayload, header: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'alice', scope: 'read', jti: `jti-${Math.random().toString(36).slice(2)}`, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'key-1', typ: 'JWT', ...header })
    .setIssuer(claims.iss ?? issuer)
    .setAudience(claims.aud ?? 'cachet-test')
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + 300)
    .sign(key);
}
