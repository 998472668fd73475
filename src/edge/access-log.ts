import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/types.ts';
import type { Exchange } from '../forward/exchange.ts';
import type { ParseRefusal } from '../server/listener.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { bytesWrittenBy, connectionOf } from './connection-bytes.ts';

/** One request followed until its response is done; `settle` gives its Cache-Status result (the metrics label, or `error`). */
export interface AccessEntry {
  settle(cache: string): void;
}

/** One upgrade request followed until its answer is out or, once its tunnel opened, until the tunnel closes. */
export interface UpgradeAccessEntry {
  /** An answer other than 101 is out, or the client went away first: writes the line now, once. */
  answered(cache: string | undefined): void;
  /** A 101 opened a tunnel on `socket`: the line (status 101) is written when it closes. */
  tunnelled(socket: Duplex): void;
}

/**
 * Writes one JSON line per request once its response is finished or the client went away (`aborted: true`).
 * Built only when `log.access` is on, so a gateway without access logs pays one `undefined` check per request.
 */
export interface AccessLog {
  /** Follows an admitted exchange; undefined when its route is switched off or sampling leaves it out. */
  start(ex: Exchange): AccessEntry | undefined;
  /** Follows an admitted upgrade request; undefined when its route is switched off or sampling leaves it out. */
  startUpgrade(ex: Exchange): UpgradeAccessEntry | undefined;
  /** Notes when a request arrived and where its connection's byte count stood, before admission answers it. */
  arrive(req: IncomingMessage): Arrival;
  /** A request the admission step answered itself (404, 401, 429, 413, ...): no route, no cache. Upgrades too. */
  refused(req: IncomingMessage, res: ServerResponse, arrival: Arrival): void;
  /** A request Node's parser refused before any of this ran (400, 408, 431): its status, code and answer's bytes only. */
  parseRefused(refusal: ParseRefusal): void;
  /** The upstream target an exchange's request went to last (the one that answered, or failed); its line's `target`. */
  noteTarget(ex: Exchange, targetUrl: string): void;
}

/** When a request arrived (`performance.now()`) and the bytes its connection has written since. */
export interface Arrival {
  readonly startedAt: number;
  readonly written: () => number;
}

/**
 * The access log `log` asks for, or undefined when it is off. Lines go through their own pino logger at
 * `info`, so `log.level` (which governs the gateway's other messages) cannot silence them.
 *
 * @example
 * const accessLog = createAccessLog(config.log);
 * accessLog?.start(ex)?.settle('hit');
 */
export function createAccessLog(log: Config['log'], logger: Logger = createLogger('info')): AccessLog | undefined {
  if (log.access !== true) return undefined;
  const sample = log.accessSample ?? 1;
  const sampled = (): boolean => sample >= 1 || (sample > 0 && Math.random() < sample);
  // Keyed by the response: layers below may pass on a copy of the exchange, never another response.
  const targets = new WeakMap<ServerResponse, string>();

  /** The line of an exchange that reached the cache or the upgrade door: its route, result and subject. */
  const writeExchangeLine = (
    ex: Exchange,
    status: number,
    cache: string | undefined,
    end: { durationMs: number; bytes: number; aborted: boolean },
  ): void => {
    const target = targets.get(ex.res);
    logger.info(
      {
        requestId: ex.requestId,
        method: ex.method,
        path: pathOnly(ex.path),
        status,
        ...(cache === undefined ? {} : { cache }),
        route: ex.route.path,
        upstream: ex.route.upstream,
        ...(target === undefined ? {} : { target }),
        durationMs: end.durationMs,
        bytes: end.bytes,
        ...(ex.identity?.subject === undefined ? {} : { subject: ex.identity.subject }),
        ...(end.aborted ? { aborted: true } : {}),
      },
      'access',
    );
  };

  return {
    start(ex) {
      if (ex.route.accessLog === false || !sampled()) return undefined;
      const written = bytesCounter(ex.req);
      let cache: string | undefined;
      let closed: { durationMs: number; bytes: number; aborted: boolean } | undefined;
      const write = (end: NonNullable<typeof closed>): void => writeExchangeLine(ex, ex.res.statusCode, cache, end);
      ex.res.once('close', () => {
        closed = { durationMs: elapsedMs(ex.startedAt), bytes: written(), aborted: !ex.res.writableFinished };
        // A client gone mid-response can leave the cache layer waiting on the upstream, so its line goes now,
        // without a Cache-Status result if there is none yet.
        if (cache !== undefined || closed.aborted) write(closed);
      });
      return {
        settle(label) {
          if (cache !== undefined) return;
          cache = label;
          if (closed !== undefined && !closed.aborted) write(closed);
        },
      };
    },
    startUpgrade(ex) {
      if (ex.route.accessLog === false || !sampled()) return undefined;
      const written = bytesCounter(ex.req);
      let done = false;
      const write = (status: number, cache: string | undefined, aborted: boolean): void => {
        if (done) return;
        done = true;
        writeExchangeLine(ex, status, cache, { durationMs: elapsedMs(ex.startedAt), bytes: written(), aborted });
      };
      return {
        answered(cache) {
          write(ex.res.statusCode, cache, !ex.res.writableFinished);
        },
        tunnelled(socket) {
          // The tunnel's bytes count: `bytes` is all the client received, the 101 head first.
          if (socket.destroyed) write(101, 'bypass', false);
          else socket.once('close', () => write(101, 'bypass', false));
        },
      };
    },
    noteTarget(ex, targetUrl) {
      targets.set(ex.res, targetUrl);
    },
    parseRefused({ status, code, bytes }) {
      if (sampled()) logger.info({ status, code, bytes }, 'access');
    },
    arrive(req) {
      return { startedAt: performance.now(), written: bytesCounter(req) };
    },
    refused(req, res, arrival) {
      if (!sampled()) return;
      whenDone(res, (aborted) => {
        const requestId = sentRequestId(res);
        logger.info(
          {
            ...(typeof requestId === 'string' ? { requestId } : {}),
            method: req.method,
            // The target as received: a refused request may have no path worth normalising.
            path: pathOnly(req.url ?? ''),
            status: res.statusCode,
            durationMs: elapsedMs(arrival.startedAt),
            bytes: arrival.written(),
            ...(aborted ? { aborted: true } : {}),
          },
          'access',
        );
      });
    },
  };
}

/**
 * Runs `write` once, when the response is finished or closed, whichever comes first (at once if it is already).
 * A refused upgrade's response closes only with its connection, which lingers for the client to read it.
 */
function whenDone(res: ServerResponse, write: (aborted: boolean) => void): void {
  if (res.writableFinished || res.closed) {
    write(!res.writableFinished);
    return;
  }
  const once = (): void => {
    res.off('finish', once);
    res.off('close', once);
    write(!res.writableFinished);
  };
  res.once('finish', once);
  res.once('close', once);
}

function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000;
}

/**
 * Counts what the response puts on its connection (head and body, as sent: chunked framing included) from the
 * socket's running total. Responses on one connection are written one after another, so the difference between
 * now and when the request arrived is this response's share. Over HTTP/2 it is the session's total, which the
 * streams answered meanwhile share.
 */
function bytesCounter(req: IncomingMessage): () => number {
  const connection = connectionOf(req);
  const before = bytesWrittenBy(connection) ?? 0;
  return () => (bytesWrittenBy(connection) ?? before) - before;
}

/**
 * The `X-Request-ID` a refusal carried. Refusals write their head in one `writeHead` call, which leaves
 * `getHeader` empty, so the head as sent (Node's `_header`) is read instead; refusals are rare enough for that.
 */
function sentRequestId(res: ServerResponse): string | undefined {
  const set = res.getHeader('x-request-id');
  if (typeof set === 'string') return set;
  const head = (res as unknown as { _header?: unknown })._header;
  if (typeof head !== 'string') return undefined;
  return /\r\nx-request-id: *([^\r]*)\r\n/i.exec(head)?.[1];
}

/** The request's path without its query, which can carry keys and personal data. */
function pathOnly(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}
