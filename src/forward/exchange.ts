import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { RouteConfig, UpstreamConfig } from '../config/types.ts';
import type { UpstreamPool } from '../upstream/pool.ts';
import type { UpstreamFailure, UpstreamResponse } from './upstream-request.ts';

/** Where a route's requests go: its upstream's pool, retry budget and timeouts. One per route, built at start-up. */
export interface UpstreamRoute {
  readonly pool: UpstreamPool;
  /** The upstream's retry budget for idempotent requests. */
  readonly retries: number;
  readonly timeouts: UpstreamConfig['timeouts'];
}

/** What the upstream learns of a verified client: the fields the identity headers are built from. */
export interface ForwardedIdentity {
  readonly subject: string | undefined;
  readonly scopes: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
}

/** One client request as the layers below the edge see it once it is framed, normalised, routed and admitted. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** Normalised path plus the query as received. */
  readonly path: string;
  /**
   * How the client reached the gateway, read at admission: `req.socket` is gone once a request body has been
   * piped upstream (Node clears it when the pipeline ends), and invalidation keys are built after that.
   */
  readonly scheme: 'http' | 'https';
  readonly route: RouteConfig;
  readonly upstream: UpstreamRoute;
  readonly requestId: string;
  /** `performance.now()` at arrival, for the latency histogram. */
  readonly startedAt: number;
  /** The verified identity, when the route authenticates and a token was presented. */
  readonly identity: ForwardedIdentity | undefined;
  /** CORS fields for the response (RFC-less: Fetch standard), when the route has CORS. */
  readonly cors: Readonly<Record<string, string>> | undefined;
  /**
   * Fields the edge adds to every response of this exchange (a rate-limited route's RateLimit fields) as
   * `name: value\r\n` lines, for a head written in one piece; every other answer finds them set on `res`.
   */
  readonly headLines?: string | undefined;
  /** The request body stream, or null when the request has none. */
  readonly body: Readable | null;
  /**
   * Reads the upstream's answer before the client sees any of it and gives what the client gets instead (an
   * Idempotency-Key route keeps a first request's response before it can be repeated); absent elsewhere.
   */
  readonly settleUpstream?: (upstream: UpstreamResponse) => Promise<UpstreamResponse | UpstreamFailure>;
}
