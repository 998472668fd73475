import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { Counter, type Registry } from 'prom-client';
import type { IdempotencyConfig } from '../config/types.ts';
import { isCachetError, type CachetErrorCode } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Exchange, UpstreamRoute } from '../forward/exchange.ts';
import type { RelayedResponse } from '../forward/respond.ts';
import type { UpstreamFailure, UpstreamResponse } from '../forward/upstream-request.ts';
import type { Cache, CacheLabel } from '../cache/cache.ts';
import { formatCacheStatus } from '../cache/policy/cache-status.ts';
import { sendProblem } from '../server/problem.ts';
import { abortResponse, closeAfter } from '../server/pipeline.ts';
import { parseIdempotencyKey } from './key-field.ts';
import type { Settlement } from './outcome.ts';
import { buildRecordKey, readRequest, type ReadRequest } from './scope.ts';
import { settleUpstream } from './settle.ts';
import type { IdempotencyStore, Lease } from './store.ts';

export interface IdempotencyGuardDeps {
  readonly store: IdempotencyStore;
  /** Answers a kept response the way a forwarded one is answered (`Forwarder.relay`). */
  readonly relay: (ex: Exchange, response: RelayedResponse, cacheStatus: string) => void;
  /** `cache.name`, for the `Cache-Status` of a replay. */
  readonly cacheName: string;
  /** Whose request it is on a route without a verified subject. */
  readonly clientAddress: (req: IncomingMessage) => string;
  readonly registry: Registry;
  readonly logger: Logger;
}

type Outcome =
  | 'forwarded'
  | 'replayed'
  | 'in-flight'
  | 'mismatch'
  | 'not-replayable'
  | 'missing'
  | 'invalid'
  | 'unavailable'
  | 'unprotected';

/** A lease outlives the upstream's own time limits by this much before it is renewed or lost. */
const LEASE_MARGIN_MS = 5000;

/**
 * Idempotency-Key at the gateway (draft-ietf-httpapi-idempotency-key-header-06), in front of the cache: on a
 * route with `idempotency`, a POST or PATCH with a key runs upstream once per key, and its repeats get its
 * response again (`Idempotent-Replayed: true`) without reaching the upstream. Routes without it go straight
 * to the cache: the check is one field.
 *
 * - No key: 400 when the route requires one (§2.7), else the request goes as it came.
 * - A key that is not an sf-string of 1 to 255 characters (§2.1): 400.
 * - The body is read and hashed with the target (§2.4), then the key is claimed atomically: a free key's
 *   lease is taken before the request goes upstream; the same key with another fingerprint is 422, with
 *   the first request still in flight 409 (§2.7), with a kept response a replay.
 * - The store unavailable: 503 on a route that requires the key (never a second execution), else the
 *   request goes without the guarantee (a key is the client's choice there).
 * - What a first request leaves for its key: see `isKeptStatus` and `settleUpstream`.
 */
export function guardIdempotency(cache: Cache, deps: IdempotencyGuardDeps): Cache {
  const { store, logger } = deps;
  const replayStatus = formatCacheStatus(deps.cacheName, { hit: false, detail: 'idempotent-replay' });
  const outcomes = new Counter({
    name: 'cachet_idempotency_requests_total',
    help: 'POST and PATCH requests on Idempotency-Key routes, by route and outcome.',
    labelNames: ['route', 'outcome'],
    registers: [deps.registry],
  });
  const count = (ex: Exchange, outcome: Outcome): void => outcomes.inc({ route: ex.route.path, outcome });

  function refuse(ex: Exchange, outcome: Outcome, code: CachetErrorCode, detail: string, extra?: Record<string, string>): CacheLabel {
    count(ex, outcome);
    const headers: Record<string, string> = { ...ex.cors, ...extra, 'x-request-id': ex.requestId };
    // Refused before the body was read: nothing else can follow on this connection.
    if (ex.body !== null && !ex.body.readableEnded) {
      headers['connection'] = 'close';
      closeAfter(ex.res);
    }
    sendProblem(ex.res, code, detail, headers);
    return 'bypass';
  }

  async function runOnce(ex: Exchange, policy: IdempotencyConfig, key: string): Promise<CacheLabel> {
    let request: ReadRequest;
    try {
      request = await readRequest(ex.path, ex.body);
    } catch (err) {
      // Over the edge's body limit (the edge made this the connection's last answer), or cut off.
      if (isCachetError(err) && err.code === 'CACHET_ERR_REQUEST_BODY_TOO_LARGE')
        sendProblem(ex.res, err.code, err.message, { 'x-request-id': ex.requestId, connection: 'close' });
      else abortResponse(ex.res);
      return 'error';
    }
    const recordKey = buildRecordKey(ex.identity, deps.clientAddress(ex.req), ex.method, ex.route.path, key);
    const leaseMs = leaseFor(ex.upstream);
    let claim: Awaited<ReturnType<IdempotencyStore['claim']>>;
    try {
      claim = await store.claim(recordKey, request.fingerprint, leaseMs);
    } catch (err) {
      logger.warn({ err, requestId: ex.requestId, route: ex.route.path }, 'idempotency store unavailable');
      if (policy.required) {
        return refuse(ex, 'unavailable', 'CACHET_ERR_IDEMPOTENCY_UNAVAILABLE', 'Idempotency records cannot be checked right now.', {
          'retry-after': '1',
        });
      }
      count(ex, 'unprotected');
      return cache.handle({ ...ex, body: replayBody(request, ex) });
    }
    switch (claim.kind) {
      case 'mismatch':
        return refuse(ex, 'mismatch', 'CACHET_ERR_IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request.');
      case 'in-flight':
        return refuse(
          ex,
          'in-flight',
          'CACHET_ERR_IDEMPOTENCY_IN_FLIGHT',
          'A request with this Idempotency-Key is still being processed.',
          {
            'retry-after': '1',
          },
        );
      case 'done':
        return refuse(
          ex,
          'not-replayable',
          'CACHET_ERR_IDEMPOTENCY_NOT_REPLAYABLE',
          'The request with this Idempotency-Key was processed, but its response was not kept; send a new key to run it again.',
        );
      case 'replay': {
        count(ex, 'replayed');
        const { status, headers, body } = claim.response;
        deps.relay(
          ex,
          { status, headers: { ...headers, 'idempotent-replayed': 'true' }, body: Readable.from([body], { objectMode: false }) },
          replayStatus,
        );
        return 'bypass';
      }
      case 'acquired':
        count(ex, 'forwarded');
        return forwardFirst(ex, policy, claim.lease, leaseMs, request);
    }
  }

  async function forwardFirst(
    ex: Exchange,
    policy: IdempotencyConfig,
    lease: Lease,
    leaseMs: number,
    request: ReadRequest,
  ): Promise<CacheLabel> {
    let settled = false;
    const renewal = setInterval(() => store.renew(lease, leaseMs).catch(() => {}), Math.ceil(leaseMs / 3));
    renewal.unref();
    const settle = async (upstream: UpstreamResponse): Promise<UpstreamResponse | UpstreamFailure> => {
      const { settlement, answer } = await settleUpstream(upstream, policy.maxResponseBytes);
      settled = true;
      await keep(ex, lease, settlement, policy.ttlSec * 1000);
      return answer;
    };
    try {
      return await cache.handle({ ...ex, body: replayBody(request, ex), settleUpstream: settle });
    } finally {
      clearInterval(renewal);
      // No response head came back (unreachable, timed out, refused): the client may try again (§2.6).
      if (!settled) await keep(ex, lease, { kind: 'release' }, 0);
    }
  }

  /** Records what the first request left; a store failure leaves the lease to expire (see docs/decisions.md). */
  async function keep(ex: Exchange, lease: Lease, settlement: Settlement, ttlMs: number): Promise<void> {
    try {
      if (settlement.kind === 'release') await store.release(lease);
      else await store.complete(lease, settlement.kind === 'replay' ? settlement.response : null, ttlMs);
    } catch (err) {
      logger.warn({ err, requestId: ex.requestId, settlement: settlement.kind }, 'idempotency record not written; its lease expires');
    }
  }

  return {
    ...cache,
    handle(ex) {
      const policy = ex.route.idempotency;
      if (policy === undefined || (ex.method !== 'POST' && ex.method !== 'PATCH')) return cache.handle(ex);
      const field = ex.req.headers['idempotency-key'];
      if (field === undefined) {
        if (!policy.required) return cache.handle(ex);
        return refuse(ex, 'missing', 'CACHET_ERR_IDEMPOTENCY_KEY_MISSING', 'This operation requires an Idempotency-Key field.');
      }
      const parsed = parseIdempotencyKey(field);
      if (!parsed.ok) return refuse(ex, 'invalid', 'CACHET_ERR_IDEMPOTENCY_KEY_INVALID', parsed.reason);
      return runOnce(ex, policy, parsed.key);
    },
  };
}

/** The body read for the fingerprint, sent upstream as it came. */
function replayBody(request: ReadRequest, ex: Exchange): Readable | null {
  return ex.body === null ? null : Readable.from(request.chunks, { objectMode: false });
}

/** Long enough for the upstream to connect and answer; renewed while the answer streams in. */
function leaseFor(upstream: UpstreamRoute): number {
  return upstream.timeouts.connectMs + upstream.timeouts.responseMs + LEASE_MARGIN_MS;
}
