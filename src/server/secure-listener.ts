import http2 from 'node:http2';
import https from 'node:https';
import type { RequestListener } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { LimitsConfig, ProxyListenConfig, TlsConfig } from '../config/types.ts';
import { readTlsFiles, type TlsFiles } from '../config/tls-files.ts';
import { answerHttp1Edges, http1ServerOptions, type OnParseRefused } from './listener.ts';
import { GatewayHttp2Request, GatewayHttp2Response } from './http2-exchange.ts';

/** The listener over TLS: HTTP/1.1 only, or HTTP/2 and HTTP/1.1 on one port, chosen by ALPN (RFC 7301). */
export type SecureListener = (https.Server | http2.Http2SecureServer) & {
  /** Cuts every connection (what is left after the drain), HTTP/2 sessions included. */
  closeAllConnections(): void;
  closeIdleConnections(): void;
};

/**
 * Every server shares one session id context, so a session one process (a worker, another instance) made is
 * accepted by the others. Node's default is derived from the process's command line, which differs between them.
 */
const SESSION_ID_CONTEXT = 'cachet';

/**
 * HTTP/2 session memory cap (Node counts it in megabytes): streams are refused (ENHANCE_YOUR_CALM) past it, so
 * a client that stops reading cannot make a session buffer without bound.
 */
const MAX_SESSION_MEMORY_MB = 10;

/**
 * Rapid reset (CVE-2023-44487): a client that opens streams and cancels each once the server has started on it
 * makes the server do work it never finishes, beyond the concurrent-stream limit. Past a burst of such resets,
 * refilled at this rate per second, nghttp2 ends the session (GOAWAY). A browser cancelling navigations stays
 * far below.
 */
const STREAM_RESET_BURST = 100;
const STREAM_RESET_RATE_PER_SEC = 20;

/**
 * HTTP/2 frames a session may send that Node rejects (invalid frames, refused streams) before the session is
 * ended: a client that keeps breaking the protocol is cut off instead of being answered forever.
 */
const MAX_INVALID_FRAMES = 100;
const MAX_REJECTED_STREAMS = 100;

/** An idle HTTP/2 session (no open stream) is closed after this long with no frames: GOAWAY, then the connection ends. */
const HTTP2_IDLE_FACTOR = 12;

/**
 * Creates the TLS listener: TLS 1.3 unless `minVersion` allows 1.2, certificate and key (and the shared
 * session-ticket keys) from the files `tls` names. With `http2`, ALPN offers `h2` and `http/1.1` on the same
 * port, and HTTP/2 requests reach `onRequest` through Node's compatibility API; HTTP/1.1 connections get the
 * same parser limits as the plain listener. There is no cleartext HTTP/2 (h2c).
 *
 * @throws {CachetError} `CACHET_ERR_CONFIG_READ` when a file cannot be read or the pair is not a certificate and its key.
 */
export function createSecureListener(
  listen: ProxyListenConfig & { readonly tls: TlsConfig },
  limits: LimitsConfig,
  onRequest: RequestListener,
  onParseRefused?: OnParseRefused,
): SecureListener {
  const files = readTlsFiles(listen.tls);
  // A handshake gets as long as a request head does (Node's default is 120 s): the TLS side of slowloris.
  const tlsOptions = { ...secureContextOptions(listen.tls, files), handshakeTimeout: limits.headersTimeoutMs };
  const http1Options = http1ServerOptions(limits);
  if (!listen.http2) {
    const server = https.createServer({ ...http1Options, ...tlsOptions, ALPNProtocols: ['http/1.1'] }, onRequest);
    answerHttp1Edges(server, onParseRefused);
    return server;
  }
  const server = http2.createSecureServer(
    {
      ...tlsOptions,
      allowHTTP1: true,
      ALPNProtocols: ['h2', 'http/1.1'],
      http1Options,
      settings: {
        // RFC 9113 §6.5.2: announced limits; a client past them gets its streams refused, not a larger buffer.
        maxConcurrentStreams: limits.http2MaxConcurrentStreams,
        maxHeaderListSize: limits.maxHeaderBytes,
        enableConnectProtocol: false,
      },
      // The same field count Node's HTTP/1.1 parser has no cap for: HPACK makes many small fields cheap to send.
      maxHeaderListPairs: 128,
      maxSessionMemory: MAX_SESSION_MEMORY_MB,
      maxSessionInvalidFrames: MAX_INVALID_FRAMES,
      maxSessionRejectedStreams: MAX_REJECTED_STREAMS,
      streamResetBurst: STREAM_RESET_BURST,
      streamResetRate: STREAM_RESET_RATE_PER_SEC,
      Http2ServerRequest: GatewayHttp2Request,
      Http2ServerResponse: GatewayHttp2Response,
    },
    onRequest as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  answerHttp1Edges(server, onParseRefused);
  const sockets = trackConnections(server);
  const idleMs = Math.max(1000, limits.keepAliveTimeoutMs * HTTP2_IDLE_FACTOR);
  server.on('session', (session) => watchSession(session, idleMs, limits.requestTimeoutMs));
  const closeAllConnections = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  // closeIdleConnections is Node's own (HTTP/1.1 connections; `close()` sends GOAWAY to the sessions itself).
  return Object.assign(server, { closeAllConnections }) as unknown as SecureListener;
}

/**
 * Re-reads the certificate, key and ticket-key files and applies them to a running listener: new connections
 * use them, open ones keep what they negotiated. Meant for a reload (SIGHUP); throws, changing nothing, when a
 * file cannot be used.
 *
 * @throws {CachetError} `CACHET_ERR_CONFIG_READ` naming the file.
 */
export function reloadTlsFiles(server: SecureListener, tls: TlsConfig): void {
  server.setSecureContext(secureContextOptions(tls, readTlsFiles(tls)));
}

function secureContextOptions(tls: TlsConfig, files: TlsFiles) {
  return {
    cert: files.cert,
    key: files.key,
    minVersion: tls.minVersion,
    sessionIdContext: SESSION_ID_CONTEXT,
    // Without shared keys, each process draws its own at start: sessions then resume on that process only.
    ...(files.ticketKeys === undefined ? {} : { ticketKeys: files.ticketKeys }),
  };
}

/** The open TLS connections (both protocols), for the hard cut at the end of a drain. */
function trackConnections(server: http2.Http2SecureServer): Set<TLSSocket> {
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    if (sockets.has(socket)) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/**
 * Closes a session that has had no frames for `idleMs` and no open stream (GOAWAY, RFC 9113 §6.8); a stream
 * waiting on a slow origin keeps it open. Without this an idle HTTP/2 connection is never closed. And resets
 * a stream whose request has not arrived in full after `requestTimeoutMs` (0: never), as node:http ends an
 * HTTP/1.1 request that slow: a client trickling bodies would otherwise hold its streams for ever.
 */
function watchSession(session: http2.ServerHttp2Session, idleMs: number, requestTimeoutMs: number): void {
  let open = 0;
  session.on('stream', (stream) => {
    open++;
    const timer =
      requestTimeoutMs > 0 && !stream.endAfterHeaders
        ? setTimeout(() => {
            if (stream.state.remoteClose === 0) stream.close(http2.constants.NGHTTP2_CANCEL);
          }, requestTimeoutMs)
        : undefined;
    stream.once('close', () => {
      open--;
      clearTimeout(timer);
    });
  });
  session.setTimeout(idleMs, () => {
    if (open === 0) session.close();
  });
}
