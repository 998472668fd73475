import type http from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { evaluatePreconditions, strongETag } from '../../src/origin/index.ts';
import { systemClock, type Clock } from '../../src/clock.ts';
import { hashSecret, openDatabase } from './db.ts';
import { getMediaType, readBody, sendBody, sendJson, startHttpService } from './http.ts';
import { createSigningKeyStore, type CurrentKey } from './signing-keys.ts';
import { grantScopes, parseTokenRequest, type TokenError } from './token-request.ts';
import { parsePortFlag, parsePositiveIntegerFlag, readStringFlag, runCli } from './cli.ts';

export interface IssuerOptions {
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** The SQLite file shared with the origins (users and signing keys live there). */
  readonly dbPath: string;
  /** `iss` of issued tokens; default `http://127.0.0.1:<bound port>`. */
  readonly issuer?: string;
  /** `aud` of issued tokens; default `cachet-demo`. */
  readonly audience?: string;
  /** Token lifetime; default 300. */
  readonly tokenTtlSec?: number;
  /** Bearer token guarding `POST /admin/rotate`; without one the endpoint answers 404. */
  readonly adminToken?: string;
  /** Cache lifetime of the JWKS document; default 60. */
  readonly jwksMaxAgeSec?: number;
  readonly clock?: Clock;
}

export interface Issuer {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** The `iss` claim of issued tokens. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Makes a new current key; tokens signed with the old one keep verifying (its key stays published). */
  rotateKeys(): Promise<{ kid: string; previousKid: string }>;
  close(): Promise<void>;
}

interface UserRow {
  secret_hash: string;
  scope: string;
}

/**
 * Starts the demo token issuer: client-credentials `POST /auth/token` issuing RS256 JWTs
 * (`kid`, `sub`, `scope`, `jti`, `iat`, `exp`, `iss`, `aud`), `GET /.well-known/jwks.json`, and
 * `POST /admin/rotate` for key rotation without downtime.
 */
export async function startIssuer(options: IssuerOptions): Promise<Issuer> {
  const clock = options.clock ?? systemClock;
  const tokenTtlSec = options.tokenTtlSec ?? 300;
  const audience = options.audience ?? 'cachet-demo';
  const jwksMaxAgeSec = options.jwksMaxAgeSec ?? 60;
  const db = openDatabase(options.dbPath);
  const keys = createSigningKeyStore(db, () => clock.now());
  let current: CurrentKey;
  try {
    current = await keys.loadCurrent();
  } catch (err) {
    db.close();
    throw err;
  }
  const selectUser = db.prepare('SELECT secret_hash, scope FROM users WHERE client_id = ?');
  let issuer = options.issuer ?? '';
  let jwksUri = '';

  async function rotateKeys(): Promise<{ kid: string; previousKid: string }> {
    const previousKid = current.kid;
    current = await keys.rotate();
    return { kid: current.kid, previousKid };
  }

  async function issueToken(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const read = await readBody(req);
    if (!read.ok) return sendTokenError(res, { status: 400, error: 'invalid_request', description: 'The request body is too large.' });
    const parsed = parseTokenRequest(getMediaType(req), read.body, req.headers.authorization);
    if (!parsed.ok) return sendTokenError(res, parsed.error);
    const { clientId, clientSecret, scope } = parsed.request;
    const user = selectUser.get(clientId) as UserRow | undefined;
    if (user === undefined || !isSameSecret(user.secret_hash, hashSecret(clientId, clientSecret))) {
      return sendTokenError(res, { status: 401, error: 'invalid_client', description: 'Unknown client or wrong secret.' });
    }
    const granted = grantScopes(user.scope.split(' '), scope);
    if (granted === undefined) {
      return sendTokenError(res, { status: 400, error: 'invalid_scope', description: `This client may request only: ${user.scope}.` });
    }
    const issuedAtSec = Math.floor(clock.now() / 1000);
    const signingKey = current;
    const accessToken = await new SignJWT({ scope: granted.join(' ') })
      .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid, typ: 'JWT' })
      .setSubject(clientId)
      .setJti(randomUUID())
      .setIssuedAt(issuedAtSec)
      .setExpirationTime(issuedAtSec + tokenTtlSec)
      .setIssuer(issuer)
      .setAudience(audience)
      .sign(signingKey.privateKey);
    // RFC 6749 §5.1: token responses are never stored.
    sendJson(
      res,
      200,
      { access_token: accessToken, token_type: 'Bearer', expires_in: tokenTtlSec, scope: granted.join(' ') },
      {
        'cache-control': 'no-store',
        pragma: 'no-cache',
      },
    );
  }

  function sendJwks(req: http.IncomingMessage, res: http.ServerResponse): void {
    // Keys retired within a token lifetime (plus clock tolerance) may still have unexpired tokens.
    const body = JSON.stringify({ keys: keys.listPublished((tokenTtlSec + 60) * 1000) });
    const etag = strongETag(body);
    const headers = { 'cache-control': `public, max-age=${jwksMaxAgeSec}`, etag };
    if (evaluatePreconditions(req.method ?? 'GET', req.headers, { etag }).outcome === 'not-modified') {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    sendBody(res, 200, 'application/jwk-set+json', body, headers);
  }

  async function handleRotate(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (options.adminToken === undefined) return sendJson(res, 404, { error: 'not_found' });
    const presented = /^bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (presented === undefined || !isSameSecret(hashSecret('admin', presented), hashSecret('admin', options.adminToken))) {
      return sendJson(
        res,
        401,
        { error: 'unauthorized', error_description: 'Send Authorization: Bearer <issuer admin token>.' },
        {
          'www-authenticate': 'Bearer realm="issuer-admin"',
        },
      );
    }
    await readBody(req);
    sendJson(res, 200, await rotateKeys(), { 'cache-control': 'no-store' });
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';
    if (path === '/auth/token' && method === 'POST') return issueToken(req, res);
    if (path === '/.well-known/jwks.json' && isRead) return sendJwks(req, res);
    if (path === '/.well-known/oauth-authorization-server' && isRead) {
      // RFC 8414 metadata, so clients can discover the token endpoint and keys.
      return sendJson(
        res,
        200,
        {
          issuer,
          token_endpoint: `${issuer}/auth/token`,
          jwks_uri: jwksUri,
          grant_types_supported: ['client_credentials'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        },
        { 'cache-control': 'public, max-age=300' },
      );
    }
    if (path === '/admin/rotate' && method === 'POST') return handleRotate(req, res);
    if (path === '/health' && isRead) return sendJson(res, 200, { status: 'ok', kid: current.kid }, { 'cache-control': 'no-store' });
    const known = ['/auth/token', '/.well-known/jwks.json', '/admin/rotate', '/health'].includes(path ?? '');
    sendJson(res, known ? 405 : 404, { error: known ? 'method_not_allowed' : 'not_found' });
  }

  const service = await startHttpService({
    host: options.host,
    port: options.port,
    handle: route,
    fail(_req, res, err) {
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'issuer request failed', err: String(err) })}\n`);
      sendJson(res, 500, { error: 'server_error' });
    },
    release: () => db.close(),
  });
  const url = service.url;
  if (issuer === '') issuer = `http://127.0.0.1:${new URL(url).port}`;
  jwksUri = `${url}/.well-known/jwks.json`;
  return { url, issuer, jwksUri, rotateKeys, close: () => service.close() };
}

function sendTokenError(res: http.ServerResponse, error: TokenError): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  // RFC 6749 §5.2: a failed client authentication answers 401 with a challenge.
  if (error.status === 401) headers['www-authenticate'] = 'Basic realm="cachet-demo"';
  sendJson(res, error.status, { error: error.error, error_description: error.description }, headers);
}

function isSameSecret(expectedHex: string, actualHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'hex');
  const actual = Buffer.from(actualHex, 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const USAGE = `usage: node examples/threat-intel/issuer.ts [--host 127.0.0.1] [--port 3000] [--db FILE]
       [--issuer URL] [--audience cachet-demo] [--token-ttl-sec 300] [--admin-token T]
environment: THREAT_INTEL_DB, ISSUER_ADMIN_TOKEN`;

if (import.meta.main) {
  await runCli(
    'issuer',
    USAGE,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      db: { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      'token-ttl-sec': { type: 'string' },
      'admin-token': { type: 'string' },
    },
    async (values) => {
      const issuer = readStringFlag(values['issuer'], 'ISSUER_URL');
      const audience = readStringFlag(values['audience'], 'ISSUER_AUDIENCE');
      const adminToken = readStringFlag(values['admin-token'], 'ISSUER_ADMIN_TOKEN');
      return startIssuer({
        host: readStringFlag(values['host'], 'HOST') ?? '127.0.0.1',
        port: parsePortFlag(values['port'], 3000),
        dbPath: readStringFlag(values['db'], 'THREAT_INTEL_DB') ?? join(tmpdir(), 'cachet-threat-intel.db'),
        tokenTtlSec: parsePositiveIntegerFlag('--token-ttl-sec', values['token-ttl-sec'], 300),
        ...(issuer === undefined ? {} : { issuer }),
        ...(audience === undefined ? {} : { audience }),
        ...(adminToken === undefined ? {} : { adminToken }),
      });
    },
  );
}
