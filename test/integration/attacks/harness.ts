import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, createPublicKey, generateKeyPairSync, sign as signBytes, type KeyObject } from 'node:crypto';
import type { TestContext } from 'node:test';
import { send, type FieldLines, type SentResponse } from '../../helpers/http.ts';
import { startOrigin, type Origin, type RecordedRequest } from '../../helpers/origin.ts';
import { startGateway } from '../../helpers/gateway.ts';
import { startIssuer, type Issuer } from '../../helpers/tokens.ts';

/**
 * Shared pieces of the gateway-level attack suite: a real gateway with an RS256 JWKS issuer and two
 * static-key providers (RSA PEM and P-256) in front of an echoing origin, a raw-socket exchange for
 * framing attacks, and a signer for tokens no library would produce (duplicate keys, crit, bad types).
 */

export const AUDIENCE = 'cachet-test';
export const PEM_ISSUER = 'https://pem.test';
export const EC_ISSUER = 'https://ec.test';

export type { FieldLines } from '../../helpers/http.ts';
export type Answer = SentResponse;

/** One request over a fresh connection; `fields` keeps duplicate field lines. */
export function exchange(url: string, options: { method?: string; fields?: FieldLines; body?: string } = {}): Promise<Answer> {
  return send(url, { method: options.method, headers: options.fields, body: options.body });
}

export { rawExchange } from '../../helpers/raw.ts';

/**
 * Status codes of every response in a raw answer, in order (`100` included), read by framing each
 * message (Content-Length or chunked), so a body that quotes a status line is never taken for one.
 */
export function readStatuses(raw: string): number[] {
  const statuses: number[] = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    if (headEnd === -1) break;
    const head = raw.slice(at, headEnd);
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (match === null) break;
    const status = Number(match[1]);
    statuses.push(status);
    at = headEnd + 4;
    if (status < 200) continue;
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length !== null) {
      at += Number(length[1]);
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', at);
        if (lineEnd === -1) return statuses;
        const size = parseInt(raw.slice(at, lineEnd), 16);
        at = lineEnd + 2 + size + 2;
        if (size === 0 || Number.isNaN(size)) break;
      }
    } else {
      break;
    }
  }
  return statuses;
}

/** Value of a field in the first response head of a raw answer. */
export function readRawHeader(raw: string, name: string): string | undefined {
  const head = raw.split('\r\n\r\n')[0] ?? '';
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

export const bearer = (token: string): FieldLines => [['authorization', `Bearer ${token}`]];

export const nowSec = (): number => Math.floor(Date.now() / 1000);

const encode = (part: string | Buffer): string => Buffer.from(part).toString('base64url');
const toJson = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Signs compact JWS from raw JSON text (or values), so duplicate keys and odd types survive. */
export interface RawSigner {
  /** SPKI PEM of the public key. */
  readonly pem: string;
  readonly issuer: string;
  readonly alg: string;
  sign(header: unknown, payload: unknown): string;
  /** Signs default claims (iss, aud, sub alice, scope read, iat now, exp +300) overridden by `claims`; `undefined` removes one. */
  token(claims?: Record<string, unknown>, header?: Record<string, unknown>): string;
}

function createSigner(issuer: string, alg: 'RS256' | 'ES256', privateKey: KeyObject, publicKey: KeyObject): RawSigner {
  const sign = (header: unknown, payload: unknown): string => {
    const input = `${encode(toJson(header))}.${encode(toJson(payload))}`;
    const signature =
      alg === 'RS256'
        ? signBytes('sha256', Buffer.from(input), privateKey)
        : signBytes('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${encode(signature)}`;
  };
  return {
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    issuer,
    alg,
    sign,
    token: (claims = {}, header = {}) => sign({ alg, typ: 'JWT', ...header }, buildClaims(issuer, claims)),
  };
}

export function buildClaims(issuer: string, claims: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSec();
  const payload: Record<string, unknown> = { iss: issuer, aud: AUDIENCE, sub: 'alice', scope: 'read', iat: now, exp: now + 300, ...claims };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  return payload;
}

export function createRsaSigner(issuer = PEM_ISSUER): RawSigner {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return createSigner(issuer, 'RS256', privateKey, publicKey);
}

export function createEcSigner(issuer = EC_ISSUER): RawSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return createSigner(issuer, 'ES256', privateKey, publicKey);
}

/** HS256 over raw header and payload with `secret` (for key-confusion attempts). */
export function signHs256(secret: string | Buffer, header: unknown, payload: unknown): string {
  const input = `${encode(toJson(header))}.${encode(toJson(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Assembles a token from raw parts without signing. */
export function craft(header: unknown, payload: unknown, signature = ''): string {
  return `${encode(toJson(header))}.${encode(toJson(payload))}.${signature}`;
}

/** The PEM of the first key a JWKS endpoint serves (what an attacker can always fetch). */
export async function fetchJwksPem(jwksUri: string): Promise<string> {
  const { keys } = JSON.parse((await send(jwksUri)).text) as { keys: Array<Record<string, unknown>> };
  const key = createPublicKey({ key: keys[0] as import('node:crypto').JsonWebKey, format: 'jwk' });
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** What the echoing origin reports about each request it saw. */
export interface Echo {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** An origin that answers every request with a JSON echo of it, `no-store` unless the handler is replaced. */
export function startEchoOrigin(t: TestContext): Promise<Origin> {
  return startOrigin(t, (req, res, body) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', req.url?.startsWith('/v1/me') ? 'private, max-age=60' : 'no-store');
    const echo: Echo = { url: req.url ?? '', method: req.method ?? '', headers: req.headers, body: body.toString('latin1') };
    res.end(JSON.stringify(echo));
  });
}

/** The echo origin, also recording request heads as they arrive and surviving bodies cut short by the gateway. */
export interface FramingOrigin extends Origin {
  /** `METHOD url` of every request head seen, complete body or not. */
  readonly heads: string[];
}

/**
 * Like `startEchoOrigin`, for framing attacks: a body the gateway aborts mid-stream (it is forwarded as it
 * arrives) is an expected event here, not a crash, and what matters is which heads reached the origin.
 */
export async function startFramingOrigin(t: TestContext): Promise<FramingOrigin> {
  const requests: RecordedRequest[] = [];
  const heads: string[] = [];
  const server = http.createServer((req, res) => {
    heads.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      const echo: Echo = { url: req.url ?? '', method: req.method ?? '', headers: req.headers, body: body.toString('latin1') };
      res.end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  t.after(close);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    heads,
    server,
    count: (url) => (url === undefined ? requests.length : requests.filter((r) => r.url === url).length),
    handle: () => {
      throw new Error('the framing origin only echoes');
    },
    close,
  };
}

export interface AuthStack {
  readonly url: string;
  readonly adminUrl: string;
  readonly origin: Origin;
  /** RS256 through JWKS (`auth.jwt`, provider `default`). */
  readonly issuer: Issuer;
  /** RS256 through a configured PEM (`providers[0]`, issuer https://pem.test). */
  readonly pem: RawSigner;
  /** ES256 through a configured PEM (`providers[1]`, issuer https://ec.test). */
  readonly ec: RawSigner;
}

/**
 * The routes every auth attack runs against (first match wins):
 * `/public/*` none, `/v1/me/*` jwt+read per-user cache, `/v1/admin/*` jwt+admin, `/v1/threats/*` jwt+threats:read,
 * `/v1/multi/*` jwt+read+write, `/v1/tenant/*` jwt + claim tenant=acme, `/v1/opt/*` optional, `/v1/*` jwt+read,
 * `/cors/*` none with CORS for https://app.example.test (credentials), `/*` none.
 */
export async function startAuthStack(t: TestContext, raw: Record<string, unknown> = {}, upstream?: Origin): Promise<AuthStack> {
  const issuer = await startIssuer(t);
  const pem = createRsaSigner();
  const ec = createEcSigner();
  const origin = upstream ?? (await startEchoOrigin(t));
  const { url, adminUrl } = await startGateway(t, [origin.url], {
    auth: {
      jwt: { issuer: issuer.issuer, audience: AUDIENCE, jwksUri: issuer.jwksUri, algorithms: ['RS256'], clockToleranceSec: 30 },
      providers: [
        { name: 'pem', issuer: PEM_ISSUER, audience: AUDIENCE, publicKey: pem.pem, algorithms: ['RS256'], clockToleranceSec: 30 },
        { name: 'ec', issuer: EC_ISSUER, audience: AUDIENCE, publicKey: ec.pem, algorithms: ['ES256'], clockToleranceSec: 30 },
      ],
      identityHeaders: { claims: { tenant: 'X-Auth-Tenant' } },
    },
    routes: [
      { path: '/public/*', upstream: 'api', auth: 'none' },
      { path: '/v1/me/*', upstream: 'api', auth: 'jwt', scopes: ['read'], cache: { perUser: true } },
      { path: '/v1/admin/*', upstream: 'api', auth: 'jwt', scopes: ['admin'] },
      { path: '/v1/threats/*', upstream: 'api', auth: 'jwt', scopes: ['threats:read'] },
      { path: '/v1/multi/*', upstream: 'api', auth: 'jwt', scopes: ['read', 'write'] },
      { path: '/v1/tenant/*', upstream: 'api', auth: 'jwt', claims: { tenant: 'acme' } },
      { path: '/v1/opt/*', upstream: 'api', auth: 'optional' },
      { path: '/v1/*', upstream: 'api', auth: 'jwt', scopes: ['read'] },
      {
        path: '/cors/*',
        upstream: 'api',
        auth: 'none',
        cors: {
          origins: ['https://app.example.test'],
          methods: ['GET', 'POST'],
          headers: ['authorization', 'content-type'],
          credentials: true,
        },
      },
      { path: '/*', upstream: 'api', auth: 'none' },
    ],
    ...raw,
  });
  return { url, adminUrl: adminUrl as string, origin, issuer, pem, ec };
}

/** The echo of the last request the origin saw. */
export function lastEcho(origin: Origin): Echo {
  const last = origin.requests.at(-1);
  if (last === undefined) throw new Error('the origin saw no request');
  return { url: last.url, method: last.method, headers: last.headers, body: last.body.toString('latin1') };
}

export const MISSING_CHALLENGE = 'Bearer realm="cachet"';
export const INVALID_TOKEN = /^Bearer realm="cachet", error="invalid_token"/;
export const INVALID_REQUEST = /^Bearer realm="cachet", error="invalid_request"/;
/** 400 invalid_request or 401 invalid_token: both are RFC 6750 §3.1 answers to a malformed token. */
export const MALFORMED = /^Bearer realm="cachet", error="(invalid_request|invalid_token)"/;

/** One request of a table: refused (status ≥ 400, origin untouched, challenge checked) or passed (origin saw `subject`). */
export interface AttackCase {
  readonly name: string;
  /** Set when cachet is known to get this wrong: the reason and where to fix it. */
  readonly todo?: string;
  readonly path?: string | ((stack: AuthStack) => string | Promise<string>);
  readonly method?: string;
  readonly body?: string | ((stack: AuthStack) => string | Promise<string>);
  fields(stack: AuthStack): FieldLines | Promise<FieldLines>;
  /** Acceptable statuses (several when the RFCs allow either). */
  readonly status: number | readonly number[];
  /** Exact `WWW-Authenticate` value or a pattern it must match; `null` asserts there is none. */
  readonly challenge?: string | RegExp | null;
  /** On a pass: the `X-Auth-Subject` the origin must have seen (`null`: none). */
  readonly subject?: string | null;
  /** Extra checks on the answer. */
  check?(res: Answer, stack: AuthStack): void;
}

/** Runs each case as a subtest of `t` against `stack`. */
export async function runCases(t: TestContext, stack: AuthStack, cases: readonly AttackCase[], defaultPath = '/v1/things'): Promise<void> {
  for (const c of cases) {
    await t.test(c.name, c.todo === undefined ? {} : { todo: c.todo }, async () => {
      const before = stack.origin.count();
      const fields = await c.fields(stack);
      const path = typeof c.path === 'function' ? await c.path(stack) : (c.path ?? defaultPath);
      const body = typeof c.body === 'function' ? await c.body(stack) : c.body;
      const res = await exchange(
        `${stack.url}${path}`,
        body === undefined ? { method: c.method, fields } : { method: c.method, fields, body },
      );
      const allowed = typeof c.status === 'number' ? [c.status] : c.status;
      assert.ok(allowed.includes(res.status), `status ${res.status}, expected ${allowed.join(' or ')}: ${res.text.slice(0, 200)}`);
      const challenge = res.header('www-authenticate');
      if (c.challenge === null) assert.equal(challenge, undefined);
      else if (typeof c.challenge === 'string') assert.equal(challenge, c.challenge);
      else if (c.challenge !== undefined) assert.match(challenge ?? '', c.challenge);
      if (res.status >= 400) {
        assert.equal(stack.origin.count(), before, 'a refused request reached the upstream');
      } else {
        assert.equal(stack.origin.count(), before + 1, 'the upstream saw the request once');
        if (c.subject !== undefined) assert.equal(lastEcho(stack.origin).headers['x-auth-subject'], c.subject ?? undefined);
      }
      c.check?.(res, stack);
    });
  }
}
