import type { Readable } from 'node:stream';
import type { ProxyConfig } from '../config/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Target } from '../upstream/pool.ts';
import type { ConnectionTag } from '../upstream/connection-guard.ts';
import { isCachetError, type CachetError } from '../errors.ts';
import { sendProblem } from '../server/problem.ts';
import type { Exchange } from './exchange.ts';
import { createUpstreamHeaderBuilder, type IdentityHeaderNames } from './request-headers.ts';
import { sendUpstream, type HeaderRecord, type UpstreamFailure, type UpstreamResponse } from './upstream-request.ts';
import { sendUpstreamFailure, sendUpstreamResponse, type RelayedResponse } from './respond.ts';
import { createClientHeaderOptions, type ClientHeaderOptions } from './response-headers.ts';
import { sendUpgrade, type UpgradeOutcome } from './upgrade-upstream.ts';
import { rewriteUpstreamHeaders, upstreamPathOf } from './rewrite.ts';

export interface ForwarderDeps {
  /** Forwarding fields, trusted proxies and the `Via` pseudonym. */
  readonly proxy: ProxyConfig;
  /** The fields a verified identity goes upstream in; the defaults without an auth section. */
  readonly identityHeaders: IdentityHeaderNames | undefined;
  /** Keep Surrogate-Key / Cache-Tag in responses to clients. */
  readonly forwardTagHeaders: boolean;
  /** Surrogate-Control is obeyed by the cache above: clients never see it. */
  readonly hideSurrogateControl: boolean;
  readonly metrics: Metrics;
  /** Told of upstream failures that reach the client (502, 504), with the request id. */
  readonly logger?: Logger;
  /** Told which target an exchange's request went to last (the access log's `target`); absent when nobody asks. */
  readonly onUpstream?: (ex: Exchange, targetUrl: string) => void;
}

/** How a forwarded answer went, for the request metrics: a failure or a 5xx is an error. */
export type ForwardLabel = 'bypass' | 'error';

/** The `Cache-Status` value of a forwarded answer, from the upstream's status or, without one, the failure's kind. */
export type ForwardStatus = (answer: number | UpstreamFailure['kind']) => string;

/** Runs once the upstream answered, before the client sees the answer (the cache invalidates or freshens here). */
export type OnResponse = (upstream: UpstreamResponse, ex: Exchange) => unknown;

/**
 * The layer under the cache: builds the upstream request, sends it to a target of the exchange's pool and
 * relays the answer. It knows nothing of caching: what the cache wants said (`Cache-Status`) or done with an
 * answer comes in as values and functions.
 */
export interface Forwarder {
  /** How upstream fields are shown to clients (the cache serves stored responses the same way). */
  readonly clientHeaders: ClientHeaderOptions;
  /**
   * The fields sent upstream for this exchange: hop-by-hop gone, forwarding, identity and trace fields set, the
   * route's request rewrite applied. A fresh object.
   */
  headersFor(ex: Exchange): HeaderRecord;
  /** Sends a body-less request for this exchange. Never throws: a failure is a value. */
  fetch(ex: Exchange, method: string, headers: HeaderRecord, connection?: ConnectionTag): Promise<UpstreamResponse | UpstreamFailure>;
  /** Streams an upstream answer (or one kept from it) to the client with its `Cache-Status`. */
  relay(ex: Exchange, upstream: RelayedResponse, cacheStatus: string): void;
  /** Answers an upstream failure: 503 no healthy target, 504 timeout, 502 otherwise. */
  fail(ex: Exchange, failure: UpstreamFailure, cacheStatus: string): void;
  /** Forwards the request as it came (body included) and relays the answer. */
  forward(ex: Exchange, status: ForwardStatus, onResponse?: OnResponse): Promise<ForwardLabel>;
  /** Sends an `Upgrade` request on a connection of its own; see `sendUpgrade`. */
  upgrade(ex: Exchange, headers: HeaderRecord, signal: AbortSignal): Promise<{ target: Target | undefined; outcome: UpgradeOutcome }>;
}

export function createForwarder(deps: ForwarderDeps): Forwarder {
  const { metrics, logger, onUpstream } = deps;
  const buildHeaders = createUpstreamHeaderBuilder(deps.proxy, deps.identityHeaders);
  const clientHeaders = createClientHeaderOptions(deps.proxy.via, deps.forwardTagHeaders, deps.hideSurrogateControl);

  const forwarder: Forwarder = {
    clientHeaders,
    headersFor,
    fetch: async (ex, method, headers, connection) =>
      observe(
        ex,
        await sendUpstream(
          ex.upstream.pool,
          { method, path: upstreamPathOf(ex.route, ex.path), headers, body: null, retries: ex.upstream.retries, connection },
          metrics,
        ),
      ),
    relay: (ex, upstream, cacheStatus) => sendUpstreamResponse(ex, upstream, cacheStatus, clientHeaders),
    fail: sendUpstreamFailure,
    forward,
    upgrade: async (ex, headers, signal) => {
      const sent = await sendUpgrade(ex, headers, signal, metrics);
      const { outcome } = sent;
      note(ex, sent.target, outcome.kind === 'switched' || outcome.kind === 'answered' ? undefined : outcome);
      return sent;
    },
  };
  return forwarder;

  /** `note` for a forwarded request's result, which it passes on. */
  function observe<T extends UpstreamResponse | UpstreamFailure>(ex: Exchange, result: T): T {
    note(ex, result.target, result.ok ? undefined : result);
    return result;
  }

  /**
   * Notes where the request went (an upgrade's too) and logs a failure the client will hear of: connect (502), timeout
   * (504) or a broken exchange (502). No healthy target (503) is told by the health lines, a client gone is nobody's fault.
   */
  function note(ex: Exchange, target: Target | undefined, failure: UpstreamFailure | undefined): void {
    if (target !== undefined) onUpstream?.(ex, target.url);
    if (failure !== undefined && logger !== undefined && failure.kind !== 'unavailable' && failure.kind !== 'aborted') {
      logger.warn(
        { requestId: ex.requestId, upstream: ex.upstream.pool.name, target: target?.url, kind: failure.kind, err: failure.error },
        'upstream request failed',
      );
    }
  }

  function headersFor(ex: Exchange): HeaderRecord {
    const headers = buildHeaders(ex);
    const rewrite = ex.route.upstreamRequest;
    if (rewrite !== undefined) rewriteUpstreamHeaders(headers, rewrite);
    return headers;
  }

  async function forward(ex: Exchange, status: ForwardStatus, onResponse?: OnResponse): Promise<ForwardLabel> {
    const headers = headersFor(ex);
    let upstream = observe(
      ex,
      await sendUpstream(
        ex.upstream.pool,
        { method: ex.method, path: upstreamPathOf(ex.route, ex.path), headers, body: ex.body, retries: ex.upstream.retries },
        metrics,
      ),
    );
    if (upstream.ok && ex.settleUpstream !== undefined) upstream = await ex.settleUpstream(upstream);
    if (!upstream.ok) {
      const tooLarge = bodyLimitError(ex.body);
      if (tooLarge !== undefined) {
        // The edge already made this the connection's last response when the limit tripped (countChunkedBody).
        sendProblem(ex.res, tooLarge.code, tooLarge.message, { 'x-request-id': ex.requestId, connection: 'close' });
        return 'error';
      }
      sendUpstreamFailure(ex, upstream, status(upstream.kind));
      return 'error';
    }
    if (onResponse !== undefined) await onResponse(upstream, ex);
    sendUpstreamResponse(ex, upstream, status(upstream.status), clientHeaders);
    return upstream.status >= 500 ? 'error' : 'bypass';
  }
}

/** The edge's body limit, when it is what failed the request body (→ 413 while nothing was answered yet). */
function bodyLimitError(body: Readable | null): CachetError | undefined {
  const error = body?.errored;
  return isCachetError(error) && error.code === 'CACHET_ERR_REQUEST_BODY_TOO_LARGE' ? error : undefined;
}
