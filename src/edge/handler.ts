import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.ts';
import type { AccessLog } from './access-log.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Exchange } from '../forward/exchange.ts';
import type { Cache, CacheLabel } from '../cache/cache.ts';
import { sendProblem } from '../server/problem.ts';
import { abortResponse, isClosing } from '../server/pipeline.ts';
import type { Admission } from './admit.ts';
import { whenBodyCounted } from './request-body.ts';
import { meterResponse, settleMeterNow, type MeteredResponse } from './response-meter.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RequestHandlerDeps {
  readonly admission: Admission;
  /** The layer below: answers every admitted exchange, from the store or forwarded. */
  readonly cache: Cache;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Present when `log.access` is on. */
  readonly accessLog?: AccessLog | undefined;
}

/**
 * The gateway's request entry point: the admission step (framing, path, route, limits, CORS, authentication),
 * then the cache, which answers or forwards.
 */
export function createRequestHandler(deps: RequestHandlerDeps): RequestHandler {
  const { admission, cache, metrics, logger, accessLog } = deps;

  return function handleRequest(req, res) {
    // A refused request closes its connection; requests pipelined behind it are never acted on. Their
    // responses wait in Node's queue behind the refusal and go with the connection once it is written;
    // only one already active (the refusal is out) ends the connection now.
    if (isClosing(req.socket)) {
      if (res.socket !== null) req.socket.destroy();
      return;
    }
    // A chunked body ahead of this request is still being counted: if it turns out too large, the
    // connection closes after its 413 and this request must not have been acted on.
    const counting = whenBodyCounted(req.socket);
    if (counting !== undefined) {
      counting.then(() => handleRequest(req, res));
      return;
    }
    const arrival = accessLog?.arrive(req);
    metrics.requestStarted();
    const ex = admission.admit(req, res, 'request');
    if (ex === undefined) {
      settleMeterNow(metrics, req, res, undefined);
      if (arrival !== undefined) accessLog?.refused(req, res, arrival);
      return;
    }
    if (ex instanceof Promise) {
      // The response may close (the client gone) before admission settles: followed from now.
      const meter = meterResponse(metrics, req, res);
      if (accessLog === undefined || arrival === undefined)
        ex.then((admitted) => {
          if (admitted !== undefined) dispatch(admitted, meter);
        });
      else ex.then((admitted) => (admitted === undefined ? accessLog.refused(req, res, arrival) : dispatch(admitted, meter)));
    } else dispatch(ex, undefined);
  };

  /** `meter`: the request is already followed to its close (it was admitted in a later turn). */
  function dispatch(ex: Exchange, meter: MeteredResponse | undefined): void {
    const access = accessLog?.start(ex);
    const label = cache.handle(ex);
    if (typeof label === 'string') {
      metrics.recordRequest(ex.route.path, ex.method, ex.res.statusCode, label, (performance.now() - ex.startedAt) / 1000);
      if (meter === undefined) settleMeterNow(metrics, ex.req, ex.res, label);
      else meter.settle(label);
      access?.settle(label);
      return;
    }
    const followed = meter ?? meterResponse(metrics, ex.req, ex.res);
    label.then(
      (settled: CacheLabel) => {
        metrics.recordRequest(ex.route.path, ex.method, ex.res.statusCode, settled, (performance.now() - ex.startedAt) / 1000);
        followed.settle(settled);
        access?.settle(settled);
      },
      (err: unknown) => {
        followed.settle('error');
        access?.settle('error');
        logger.error({ err, requestId: ex.requestId }, 'request failed');
        if (!ex.res.headersSent)
          sendProblem(ex.res, 'CACHET_ERR_INTERNAL', 'The gateway failed to handle the request.', { 'x-request-id': ex.requestId });
        else abortResponse(ex.res);
      },
    );
  }
}
