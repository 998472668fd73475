import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Target } from '../upstream/pool.ts';
import type { Exchange } from '../forward/exchange.ts';
import type { Forwarder, ForwardStatus } from '../forward/forwarder.ts';
import type { UpstreamResponse } from '../forward/upstream-request.ts';
import { buildClientHeaders, flattenHeaders } from '../forward/response-headers.ts';
import { sendProblem } from '../server/problem.ts';
import type { Admission } from './admit.ts';
import type { AccessLog, UpgradeAccessEntry } from './access-log.ts';
import { isAskedSwitch, selectUpgradeProtocols } from './upgrade-protocols.ts';
import { closeAfterAnswer, handBack, holdIncoming, splice, whenAnswersSent } from './upgrade-connection.ts';

export interface UpgradeDeps {
  readonly admission: Admission;
  /**
   * The layer that sends upgrades: a tunnel is nothing a cache can hold, so this door goes past it, the way
   * undici's cache interceptor hands upgrades straight to `dispatch`.
   */
  readonly forwarder: Forwarder;
  /** `Cache-Status` of an answer relayed here (the cache's bypass member). */
  readonly cacheStatus: ForwardStatus;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Present when `log.access` is on: a line per upgrade request, a tunnel's when it closes. */
  readonly accessLog?: AccessLog | undefined;
  /** Gives a connection back to the HTTP server (`server.emit('connection', socket)`), which parses what follows. */
  resumeHttp(socket: Duplex): void;
}

/**
 * `Upgrade` requests (WebSocket and others, RFC 9110 §7.8). The request is checked like any other (framing,
 * path, route, authentication) and must carry no content; it then goes to a target with the gateway's forwarding
 * fields. Only a 101 to a protocol the client asked for opens a tunnel, and only then do the bytes the client
 * sent behind the request reach the origin. Any other answer is relayed as an ordinary response and the
 * connection goes back to the HTTP parser, so the next request on it passes every check again.
 */
export interface UpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Cuts every connection this handler holds (tunnels, upgrades awaiting an answer): the listener no longer tracks them. */
  destroyAll(): void;
}

type Release = () => Buffer;

export function createUpgradeHandler(deps: UpgradeDeps): UpgradeHandler {
  const { admission, forwarder, cacheStatus, metrics, logger, accessLog, resumeHttp } = deps;
  /** Connections this handler owns: awaiting an answer, tunnelled, or closing; not those handed back. */
  const owned = new Set<Duplex>();

  function handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    owned.add(socket);
    socket.once('close', () => owned.delete(socket));
    socket.on('error', destroyOnError);
    whenAnswersSent(socket, () => admit(req, socket, head));
  }

  function admit(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (socket.destroyed) return;
    // Node armed the keep-alive timer for the previous answer; nothing else watches this socket now.
    (socket as Socket).setTimeout(0);
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    const arrival = accessLog?.arrive(req);
    const refused = (): void => {
      if (arrival !== undefined) accessLog?.refused(req, res, arrival);
    };
    const admitted = admission.admit(req, res, 'upgrade');
    if (admitted === undefined) return refused();
    if (admitted instanceof Promise) admitted.then((ex) => (ex === undefined ? refused() : proceed(ex, socket, head)));
    else proceed(admitted, socket, head);
  }

  function proceed(ex: Exchange, socket: Duplex, head: Buffer): void {
    const access = accessLog?.startUpgrade(ex);
    forward(ex, socket, head, access).catch((err: unknown) => {
      logger.error({ err, requestId: ex.requestId }, 'upgrade failed');
      socket.destroy();
      access?.answered('error');
    });
  }

  async function forward(ex: Exchange, socket: Duplex, head: Buffer, access: UpgradeAccessEntry | undefined): Promise<void> {
    if (socket.destroyed) return;
    const release = holdIncoming(socket, head);
    const gone = new AbortController();
    const onGone = (): void => gone.abort();
    // A client that ends or drops its side before the answer is not waiting for one.
    socket.once('end', onGone);
    socket.once('close', onGone);
    const headers = forwarder.headersFor(ex);
    // The upgrade fields are hop-by-hop, so they were stripped; restore the ones this hop asks for. With nothing
    // left to ask for (h2c only), the request goes as an ordinary one.
    const protocols = selectUpgradeProtocols(ex.req.headers.upgrade);
    if (protocols !== undefined) {
      headers['connection'] = 'upgrade';
      headers['upgrade'] = protocols;
    }
    const { target, outcome } = await forwarder.upgrade(ex, headers, gone.signal);
    socket.off('end', onGone);
    socket.off('close', onGone);

    if (gone.signal.aborted || socket.destroyed) {
      if (outcome.kind === 'switched') outcome.socket.destroy();
      else if (outcome.kind === 'answered') outcome.response.destroy();
      socket.destroy();
      access?.answered(undefined);
      return;
    }
    switch (outcome.kind) {
      case 'switched': {
        const upstream = outcome.socket;
        if (protocols === undefined || !isAskedSwitch(protocols, outcome.response.headers.upgrade)) {
          upstream.destroy();
          sendProblem(ex.res, 'CACHET_ERR_UPSTREAM_RESPONSE', 'The upstream switched to a protocol the client did not ask for.', {
            ...ex.cors,
            'x-request-id': ex.requestId,
          });
          return afterAnswer(ex, socket, release, access);
        }
        switchProtocols(ex, socket, release, outcome.response, upstream, outcome.head);
        access?.tunnelled(socket);
        return;
      }
      case 'answered': {
        const { response } = outcome;
        const status = response.statusCode ?? 502;
        // sendUpstreamResponse reads the body as a plain Readable (resume, pipe, destroy, readableEnded).
        const answer: UpstreamResponse = {
          ok: true,
          status,
          headers: response.headersDistinct,
          body: response as unknown as UpstreamResponse['body'],
          target: target as Target,
        };
        forwarder.relay(ex, answer, cacheStatus(status));
        return afterAnswer(ex, socket, release, access);
      }
      case 'aborted':
        socket.destroy();
        access?.answered(undefined);
        return;
      default:
        forwarder.fail(ex, outcome, cacheStatus(outcome.kind));
        return afterAnswer(ex, socket, release, access);
    }
  }

  /** 101: the origin's head goes to the client, then the held bytes to the origin; from here on bytes flow untouched. */
  function switchProtocols(
    ex: Exchange,
    socket: Duplex,
    release: Release,
    response: IncomingMessage,
    upstream: Duplex,
    upstreamHead: Buffer,
  ): void {
    ex.res.detachSocket(socket as Socket);
    socket.write(formatSwitchingHead(response, ex.requestId), 'latin1');
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    const early = release();
    if (early.length > 0) upstream.write(early);
    splice(socket, upstream);
    metrics.recordRequest(ex.route.path, ex.method, 101, 'bypass', (performance.now() - ex.startedAt) / 1000);
  }

  /** Once an answer other than 101 is out, the connection goes back to the HTTP parser (or closes, if asked to). */
  function afterAnswer(ex: Exchange, socket: Duplex, release: Release, access: UpgradeAccessEntry | undefined): void {
    const wantsClose = hasCloseOption(ex.req.headers.connection);
    if (wantsClose) ex.res.shouldKeepAlive = false;
    // A client gone before the answer is out: its line says so (aborted), without a result.
    if (access !== undefined) ex.res.once('close', () => access.answered(undefined));
    ex.res.once('finish', () => {
      const status = ex.res.statusCode;
      const label = status >= 500 ? 'error' : 'bypass';
      metrics.recordRequest(ex.route.path, ex.method, status, label, (performance.now() - ex.startedAt) / 1000);
      access?.answered(label);
      ex.res.detachSocket(socket as Socket);
      const early = release();
      if (wantsClose || socket.destroyed) return closeAfterAnswer(socket);
      socket.off('error', destroyOnError);
      owned.delete(socket);
      handBack(socket, early, resumeHttp);
    });
  }

  function formatSwitchingHead(response: IncomingMessage, requestId: string): string {
    const headers = buildClientHeaders(response.headersDistinct, forwarder.clientHeaders);
    headers['connection'] = 'upgrade';
    headers['upgrade'] = response.headersDistinct['upgrade'];
    headers['x-request-id'] = requestId;
    const flat = flattenHeaders(headers);
    let head = 'HTTP/1.1 101 Switching Protocols\r\n';
    for (let i = 0; i + 1 < flat.length; i += 2) head += `${flat[i]}: ${flat[i + 1]}\r\n`;
    return `${head}\r\n`;
  }

  return {
    handle,
    destroyAll() {
      for (const socket of owned) socket.destroy();
    },
  };
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** RFC 9112 §9.6: `close` among the Connection options. */
function hasCloseOption(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(',').some((option) => option.trim().toLowerCase() === 'close');
}
