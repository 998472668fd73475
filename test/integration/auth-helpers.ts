import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { SignJWT, base64url, type CryptoKey, type JWTPayload, type KeyObject } from 'jose';
import { request } from 'undici';
import type { Clock } from '../../src/clock.ts';
import type { AuthConfig, AuthProviderConfig, RouteConfig } from '../../src/config/types.ts';
import type { Authenticator } from '../../src/auth/authenticate.ts';
import { formatBearerChallenge } from '../../src/auth/www-authenticate.ts';

export const realm = 'cachet-test';

export function createRoute(overrides: Partial<RouteConfig> = {}): RouteConfig {
  return {
    path: '/v1/*',
    methods: undefined,
    upstream: 'api',
    auth: 'jwt',
    scopes: [],
    cache: false,
    perUserCache: false,
    claims: {},
    tokenCookie: undefined,
    cors: undefined,
    ...overrides,
  };
}

export function createAuthConfig(providers: readonly AuthProviderConfig[], overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    providers,
    realm,
    maxTokenBytes: 8192,
    verificationCache: { maxEntries: 1000, maxTtlSec: 60 },
    identityHeaders: { subject: 'x-auth-subject', scopes: 'x-auth-scopes', claims: {} },
    ...overrides,
  };
}

export interface StageAnswer {
  readonly status: number;
  readonly code: string | undefined;
  readonly challenge: string | undefined;
  /** Whether `authenticate` answered synchronously (verification cache hit). */
  readonly sync: boolean;
  readonly subject: string | undefined;
}

export interface AuthStage {
  /** Sends a request; `headers` is a flat name/value list, so duplicate fields survive. */
  send(path: string, headers?: string[]): Promise<StageAnswer>;
  bearer(token: string, path?: string): Promise<StageAnswer>;
}

/**
 * A real HTTP server on 127.0.0.1 whose only job is the authentication stage: it answers the
 * refusal status, code and WWW-Authenticate value, or 200 with the subject.
 */
export async function startAuthStage(
  t: TestContext,
  authenticator: Authenticator,
  routes: Readonly<Record<string, RouteConfig>>,
): Promise<AuthStage> {
  const server = http.createServer(async (req, res) => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes[pathname] ?? routes['*'] ?? createRoute();
    const pendingOrDone = authenticator.authenticate(req, route);
    const sync = !(pendingOrDone instanceof Promise);
    const result = await pendingOrDone;
    res.setHeader('x-sync', String(sync));
    if (result.ok) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ subject: result.identity?.subject }));
      return;
    }
    const challenge = formatBearerChallenge(realm, result);
    if (challenge !== undefined) res.setHeader('www-authenticate', challenge);
    res.statusCode = result.status;
    res.setHeader('content-type', 'application/problem+json');
    res.end(JSON.stringify({ code: result.code }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  t.after(() => authenticator.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  async function send(path: string, headers: string[] = []): Promise<StageAnswer> {
    const response = await request(`${base}${path}`, { headers });
    const body = (await response.body.json()) as { code?: string; subject?: string };
    const challenge = response.headers['www-authenticate'];
    return {
      status: response.statusCode,
      code: body.code,
      challenge: typeof challenge === 'string' ? challenge : undefined,
      sync: response.headers['x-sync'] === 'true',
      subject: body.subject,
    };
  }
  return { send, bearer: (token, path = '/v1/x') => send(path, ['authorization', `Bearer ${token}`]) };
}

export interface TokenFactory {
  /** Signs with defaults (iss, aud, sub alice, scope read, iat now, exp now + 300) that `claims` override; `undefined` removes one. */
  sign(
    key: CryptoKey | KeyObject | Uint8Array,
    alg: string,
    claims?: Record<string, unknown>,
    header?: Record<string, unknown>,
  ): Promise<string>;
  nowSec(): number;
}

export function createTokenFactory(clock: Clock, issuer: string, audience = 'cachet-test'): TokenFactory {
  const nowSec = (): number => Math.floor(clock.now() / 1000);
  return {
    nowSec,
    async sign(key, alg, claims = {}, header = {}) {
      const payload: Record<string, unknown> = {
        iss: issuer,
        aud: audience,
        sub: 'alice',
        scope: 'read',
        iat: nowSec(),
        exp: nowSec() + 300,
        ...claims,
      };
      for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
      // SignJWT only re-checks types through its setters, so raw claims of any type pass through.
      // Extensions named in `crit` are declared understood here, so that the verifier alone decides.
      const crit = Array.isArray(header['crit']) ? Object.fromEntries((header['crit'] as string[]).map((name) => [name, true])) : undefined;
      return new SignJWT(payload as JWTPayload)
        .setProtectedHeader({ alg, typ: 'JWT', ...header })
        .sign(key, crit === undefined ? {} : { crit });
    },
  };
}

/** Assembles a compact JWS from raw parts, for tokens no library would sign. */
export function craftToken(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
}
