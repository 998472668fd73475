import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteConfig } from '../config/types.ts';
import type { UpstreamPool } from '../upstream/pool.ts';
import type { Identity } from '../auth/types.ts';

/** One client request as the proxy sees it once it is framed, normalised and routed. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** Normalised path plus the query as received. */
  readonly path: string;
  readonly route: RouteConfig;
  readonly pool: UpstreamPool;
  /** The upstream's retry budget for idempotent requests. */
  readonly retries: number;
  readonly requestId: string;
  /** `performance.now()` at arrival, for the latency histogram. */
  readonly startedAt: number;
  /** The verified identity, when the route authenticates and a token was presented. */
  readonly identity: Identity | undefined;
  /** CORS fields for the response (RFC-less: Fetch standard), when the route has CORS. */
  readonly cors: Readonly<Record<string, string>> | undefined;
  /** The request body stream, or null when the request has none. */
  readonly body: import('node:stream').Readable | null;
}
