import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheControl, evaluatePreconditions, purgeTags } from '../../src/origin/index.ts';
import { systemClock, type Clock } from '../../src/clock.ts';
import { openDatabase } from './db.ts';
import { DEFAULT_DEFINITIONS_BYTES, generateDefinitions, type Definitions } from './definitions.ts';
import { getMediaType, parseJsonObject, startHttpService, readBody, sendBody, sendEmpty, sendJson, sendProblem } from './http.ts';
import { readSubject } from './identity.ts';
import { createScanStore, type ScanStore } from './scan-store.ts';
import { createThreatStore } from './threat-store.ts';
import { sendFeedStatus, type FeedStatusDeps } from './feed-status.ts';
import { createThreat, parseThreatId, replaceThreat, sendThreat, sendThreatList, type ThreatRouteDeps } from './threat-routes.ts';
import { parsePortFlag, parseSizeFlag, readStringFlag, runCli } from './cli.ts';

/** A structured log line; the default writes JSON to stderr. */
export type LogFn = (entry: { level: 'info' | 'warn' | 'error'; msg: string; [field: string]: unknown }) => void;

export interface OriginOptions {
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** The SQLite file every instance (and the issuer) shares. */
  readonly dbPath: string;
  /** Name sent in `X-Origin-Instance` on every response and in `/health`. */
  readonly instance: string;
  /** Size of the generated virus-definitions file; default `DEFINITIONS_BYTES` from the environment, else 50 MiB. */
  readonly definitionsBytes?: number;
  /** cachet's admin API (`http://127.0.0.1:9901`); when set, writes purge the tags they affect. */
  readonly cachetAdminUrl?: string;
  readonly cachetAdminToken?: string;
  /** Per purge call; default 2000. */
  readonly purgeTimeoutMs?: number;
  readonly clock?: Clock;
  readonly log?: LogFn;
}

export interface Origin {
  /** Base URL, e.g. `http://127.0.0.1:3001`. */
  readonly url: string;
  readonly instance: string;
  close(): Promise<void>;
}

interface OriginDeps extends ThreatRouteDeps, FeedStatusDeps {
  readonly instance: string;
  readonly scans: ScanStore;
}

const DEFINITIONS_CACHE_CONTROL = cacheControl({ public: true, maxAge: 3600 });
const PRIVATE_CACHE_CONTROL = cacheControl({ private: true, noStore: true });
const ALLOWED: Record<string, string> = {
  '/v1/virus-definitions': 'GET, HEAD',
  '/v1/threats': 'GET, HEAD, POST',
  '/v1/threats/{id}': 'GET, HEAD, PUT',
  '/v1/users/me/scans': 'GET, HEAD, POST',
  '/v1/feeds/status': 'GET, HEAD',
  '/health': 'GET, HEAD',
};

const writeLogLine: LogFn = (entry) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

/**
 * Starts one stateless threat-intelligence API instance over the shared database. Any number may
 * run at once: all state (threats, idempotency records, scans) is in the database, and the
 * generated definitions are identical on every instance.
 */
export async function startOrigin(options: OriginOptions): Promise<Origin> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? writeLogLine;
  const definitionsBytes =
    options.definitionsBytes ?? parseSizeFlag('DEFINITIONS_BYTES', process.env['DEFINITIONS_BYTES'], DEFAULT_DEFINITIONS_BYTES);
  const definitions = generateDefinitions(definitionsBytes);
  const db = openDatabase(options.dbPath);
  const now = (): number => clock.now();
  const deps: OriginDeps = {
    instance: options.instance,
    definitions,
    threats: createThreatStore(db, now),
    scans: createScanStore(db, now),
    now,
    purge: createPurger(options, log),
  };

  const service = await startHttpService({
    host: options.host,
    port: options.port,
    handle(req, res) {
      res.setHeader('x-origin-instance', options.instance);
      return route(deps, req, res);
    },
    fail(req, res, err) {
      log({ level: 'error', msg: 'request failed', method: req.method, url: req.url, err: String(err) });
      sendProblem(res, { status: 500, title: 'Internal Server Error' });
    },
    release: () => db.close(),
  });
  return { url: service.url, instance: options.instance, close: () => service.close() };
}

async function route(deps: OriginDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const target = new URL(req.url ?? '/', 'http://origin.invalid');
  const path = target.pathname;
  const method = req.method ?? 'GET';
  const isRead = method === 'GET' || method === 'HEAD';
  if (path === '/v1/threats') {
    if (isRead) return sendThreatList(deps, req, res, target.searchParams);
    if (method === 'POST') return createThreat(deps, req, res);
    return sendMethodNotAllowed(res, ALLOWED['/v1/threats']!);
  }
  if (path.startsWith('/v1/threats/')) {
    const id = parseThreatId(path.slice('/v1/threats/'.length));
    if (id === undefined) return sendNotFound(res);
    if (isRead) return sendThreat(deps, req, res, id);
    if (method === 'PUT') return replaceThreat(deps, req, res, id);
    return sendMethodNotAllowed(res, ALLOWED['/v1/threats/{id}']!);
  }
  if (path === '/v1/virus-definitions') {
    if (isRead) return sendDefinitions(deps.definitions, req, res);
    return sendMethodNotAllowed(res, ALLOWED[path]!);
  }
  if (path === '/v1/users/me/scans') {
    if (isRead) return sendScans(deps.scans, req, res);
    if (method === 'POST') return createScan(deps.scans, req, res);
    return sendMethodNotAllowed(res, ALLOWED[path]!);
  }
  if (path === '/v1/feeds/status') {
    if (isRead) return sendFeedStatus(deps, res);
    return sendMethodNotAllowed(res, ALLOWED[path]!);
  }
  if (path === '/health') {
    if (isRead) return sendJson(res, 200, { status: 'ok', instance: deps.instance }, { 'cache-control': 'no-store' });
    return sendMethodNotAllowed(res, ALLOWED[path]!);
  }
  sendNotFound(res);
}

/** `GET /v1/virus-definitions`: strong ETag from the content hash, one hour fresh; If-None-Match → 304. */
function sendDefinitions(definitions: Definitions, req: http.IncomingMessage, res: http.ServerResponse): void {
  const headers = { etag: definitions.etag, 'cache-control': DEFINITIONS_CACHE_CONTROL };
  const precondition = evaluatePreconditions(req.method ?? 'GET', req.headers, { etag: definitions.etag });
  if (precondition.outcome === 'not-modified') return sendEmpty(res, 304, headers);
  sendBody(res, 200, 'application/octet-stream', definitions.body, headers);
}

/** `GET /v1/users/me/scans`: the caller's own scans, never stored by any cache. */
function sendScans(scans: ScanStore, req: http.IncomingMessage, res: http.ServerResponse): void {
  const subject = readSubject(req);
  if (subject === undefined) return sendUnauthenticated(res);
  sendJson(res, 200, { subject, scans: scans.list(subject) }, { 'cache-control': PRIVATE_CACHE_CONTROL });
}

/** `POST /v1/users/me/scans` with `{"target": "..."}`: records a scan for the caller and returns its verdict. */
async function createScan(scans: ScanStore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const subject = readSubject(req);
  if (subject === undefined) return sendUnauthenticated(res);
  if (getMediaType(req) !== 'application/json') {
    return sendProblem(res, { status: 415, title: 'Unsupported Media Type', detail: 'Send {"target": "..."} as application/json.' });
  }
  const read = await readBody(req);
  if (!read.ok)
    return sendProblem(
      res,
      { status: 413, title: 'Content Too Large', detail: 'A scan request is at most 64 KiB.' },
      { connection: 'close' },
    );
  const target = parseJsonObject(read.body)?.['target'];
  if (typeof target !== 'string' || target.trim() === '' || target.length > 2048) {
    return sendProblem(res, {
      status: 422,
      title: 'Unprocessable Content',
      detail: 'target must be a non-empty string of at most 2048 characters.',
    });
  }
  const scan = scans.create(subject, target.trim());
  sendJson(res, 201, scan, { 'cache-control': PRIVATE_CACHE_CONTROL, location: '/v1/users/me/scans' });
}

function createPurger(options: OriginOptions, log: LogFn): (tags: readonly string[]) => Promise<void> {
  const adminUrl = options.cachetAdminUrl;
  if (adminUrl === undefined || adminUrl === '') return async () => {};
  const token = options.cachetAdminToken ?? '';
  const timeoutMs = options.purgeTimeoutMs ?? 2000;
  // Awaited before the write is answered, so a client that reads right after its write sees the
  // new data through the gateway; a failure is logged and the write still succeeds.
  return async (tags) => {
    try {
      const purged = await purgeTags(adminUrl, token, tags, { timeoutMs });
      log({ level: 'info', msg: 'purged cache tags', instance: options.instance, tags, purged });
    } catch (err) {
      log({
        level: 'warn',
        msg: 'cache purge failed; cached copies expire on their own',
        instance: options.instance,
        tags,
        err: String(err),
      });
    }
  };
}

function sendUnauthenticated(res: http.ServerResponse): void {
  sendProblem(
    res,
    { status: 401, title: 'Unauthorized', detail: 'X-Auth-Subject is missing: call this API through cachet with a token.' },
    {
      'www-authenticate': 'Bearer realm="cachet-demo"',
    },
  );
}

function sendNotFound(res: http.ServerResponse): void {
  sendProblem(res, { status: 404, title: 'Not Found', detail: 'No such resource.' });
}

function sendMethodNotAllowed(res: http.ServerResponse, allow: string): void {
  sendProblem(res, { status: 405, title: 'Method Not Allowed', detail: `Allowed: ${allow}.` }, { allow });
}

const USAGE = `usage: node examples/threat-intel/server.ts [--host 127.0.0.1] [--port 3001] [--db FILE] [--instance NAME]
       [--definitions-bytes 50MiB] [--cachet-admin-url URL] [--cachet-admin-token T]
environment: THREAT_INTEL_DB, DEFINITIONS_BYTES, CACHET_ADMIN_URL, CACHET_ADMIN_TOKEN`;

if (import.meta.main) {
  await runCli(
    'origin',
    USAGE,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      db: { type: 'string' },
      instance: { type: 'string' },
      'definitions-bytes': { type: 'string' },
      'cachet-admin-url': { type: 'string' },
      'cachet-admin-token': { type: 'string' },
    },
    async (values) => {
      const port = parsePortFlag(values['port'], 3001);
      const cachetAdminUrl = readStringFlag(values['cachet-admin-url'], 'CACHET_ADMIN_URL');
      const cachetAdminToken = readStringFlag(values['cachet-admin-token'], 'CACHET_ADMIN_TOKEN');
      return startOrigin({
        host: readStringFlag(values['host'], 'HOST') ?? '127.0.0.1',
        port,
        dbPath: readStringFlag(values['db'], 'THREAT_INTEL_DB') ?? join(tmpdir(), 'cachet-threat-intel.db'),
        instance: readStringFlag(values['instance'], 'INSTANCE') ?? `origin-${process.pid}`,
        definitionsBytes: parseSizeFlag(
          '--definitions-bytes',
          readStringFlag(values['definitions-bytes'], 'DEFINITIONS_BYTES'),
          DEFAULT_DEFINITIONS_BYTES,
        ),
        ...(cachetAdminUrl === undefined ? {} : { cachetAdminUrl }),
        ...(cachetAdminToken === undefined ? {} : { cachetAdminToken }),
      });
    },
  );
}
