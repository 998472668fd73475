/**
 * `npm run bench:auth`: what the verification cache saves. In one process, the per-request authentication
 * stage runs on the same RS256 token with the cache off (a signature check every time) and on (one check,
 * then hash + lookup), printing verifications per second and the ratio.
 */
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { createAuthenticator } from '../src/auth/authenticate.ts';
import { createRevocationList } from '../src/auth/revocation.ts';
import { systemClock } from '../src/clock.ts';
import type { AuthConfig, RouteConfig } from '../src/config/types.ts';

const ITERATIONS = Number(process.env.BENCH_AUTH_ITERATIONS ?? 20_000);

const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
const token = await new SignJWT({ sub: 'alice', scope: 'read' })
  .setProtectedHeader({ alg: 'RS256' })
  .setIssuer('https://issuer.bench')
  .setAudience('bench')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(privateKey);

const route: RouteConfig = {
  path: '/*',
  methods: undefined,
  upstream: 'api',
  auth: 'jwt',
  scopes: ['read'],
  cache: true,
  perUserCache: false,
  claims: {},
  tokenCookie: undefined,
  cors: undefined,
};
const request = {
  rawHeaders: ['Authorization', `Bearer ${token}`],
  headers: { authorization: `Bearer ${token}` },
  url: '/x',
  method: 'GET',
} as unknown as IncomingMessage;

function configWith(maxEntries: number, spki: string): AuthConfig {
  return {
    providers: [
      {
        kind: 'jwt',
        name: 'bench',
        issuer: 'https://issuer.bench',
        audience: ['bench'],
        algorithms: ['RS256'],
        clockToleranceSec: 0,
        keys: { type: 'public-key', key: spki },
      },
    ],
    realm: 'bench',
    maxTokenBytes: 8192,
    verificationCache: { maxEntries, maxTtlSec: 300 },
    identityHeaders: { subject: 'x-auth-subject', scopes: 'x-auth-scopes', claims: {} },
  };
}

async function measure(label: string, maxEntries: number): Promise<number> {
  const authenticator = createAuthenticator(configWith(maxEntries, await exportSPKI(publicKey)), {
    clock: systemClock,
    revocations: createRevocationList(),
  });
  for (let i = 0; i < 200; i++) await authenticator.authenticate(request, route);
  const startedAt = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const result = await authenticator.authenticate(request, route);
    if (!result.ok) throw new Error(`${label}: refused: ${result.description}`);
  }
  const perSec = ITERATIONS / ((performance.now() - startedAt) / 1000);
  authenticator.close();
  console.log(`${label.padEnd(34)} ${Math.round(perSec).toString().padStart(9)} verifications/s`);
  return perSec;
}

console.log(`cachet auth bench: ${ITERATIONS} requests with one RS256 token, node ${process.version}`);
const uncached = await measure('signature check every request', 0);
const cached = await measure('verification cache on', 10_000);
console.log(`gain: ${(cached / uncached).toFixed(1)}x`);
console.log(
  `BENCH_AUTH_RESULT ${JSON.stringify({ uncachedPerSec: Math.round(uncached), cachedPerSec: Math.round(cached), gain: Number((cached / uncached).toFixed(2)) })}`,
);
