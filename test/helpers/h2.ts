import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { Agent, request, type Dispatcher } from 'undici';
import type { SendOptions, SentResponse } from './http.ts';
import { startGateway, type StartedGateway } from './gateway.ts';

/** A self-signed certificate for localhost and 127.0.0.1, valid until 2126, with its key (test use only). */
export const TLS_CERT_PATH = fileURLToPath(new URL('../fixtures/tls/cert.pem', import.meta.url));
export const TLS_KEY_PATH = fileURLToPath(new URL('../fixtures/tls/key.pem', import.meta.url));
export const TLS_CA = readFileSync(TLS_CERT_PATH);

/**
 * A gateway listening over TLS with the fixture certificate, HTTP/2 offered unless `http2` is false; `raw` is
 * merged over startGateway's config, and `tls` over the listener's TLS section.
 */
export function startTlsGateway(
  t: TestContext,
  targets: readonly string[],
  raw: Record<string, unknown> = {},
  options: { http2?: boolean; tls?: Record<string, unknown> } = {},
): Promise<StartedGateway> {
  return startGateway(t, targets, {
    listen: {
      host: '127.0.0.1',
      port: 0,
      tls: { cert: TLS_CERT_PATH, key: TLS_KEY_PATH, ...options.tls },
      http2: options.http2 ?? true,
    },
    ...raw,
  });
}

/** Each HTTP/1.1 request over TLS on a connection of its own, trusting the fixture certificate. */
const tlsOneShot = new Agent({ pipelining: 0, keepAliveTimeout: 10, allowH2: false, connect: { ca: TLS_CA, ALPNProtocols: ['http/1.1'] } });

/** `send` (http.ts) over TLS: HTTP/1.1 (ALPN `http/1.1`), a fresh connection per request. */
export async function sendTls(url: string, options: SendOptions = {}): Promise<SentResponse> {
  const res = await request(url, {
    method: (options.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: options.headers as Record<string, string> | undefined,
    body: options.body,
    dispatcher: tlsOneShot,
  });
  const text = await res.body.text();
  return toSent(res.statusCode, res.headers as Record<string, string | string[] | undefined>, text);
}

/** Opens an HTTP/2 session to the gateway (ALPN `h2`), trusting the fixture certificate; closed after the test. */
export async function connectH2(t: TestContext | undefined, url: string, settings?: http2.Settings): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(url, { ca: TLS_CA, ...(settings === undefined ? {} : { settings }) });
  session.on('error', () => {});
  t?.after(() => {
    if (!session.destroyed) session.destroy();
  });
  // The server's SETTINGS, acknowledged before any request this session sends: its limits then apply to them.
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => resolve());
    session.once('error', reject);
  });
  return session;
}

/** One request on `session` (a fresh one when absent): status, fields (pseudo-fields left out) and body text. */
export async function sendOnSession(session: http2.ClientHttp2Session, path: string, options: SendOptions = {}): Promise<SentResponse> {
  const fields: http2.OutgoingHttpHeaders = { ':method': options.method ?? 'GET', ':path': path };
  if (options.headers !== undefined) {
    for (const [name, value] of Array.isArray(options.headers)
      ? (options.headers as ReadonlyArray<readonly [string, string]>)
      : Object.entries(options.headers)) {
      fields[name.toLowerCase()] = value;
    }
  }
  const stream = session.request(fields, { endStream: options.body === undefined });
  if (options.body !== undefined) stream.end(options.body);
  const [head, text] = await Promise.all([
    new Promise<http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader>((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('error', reject);
    }),
    (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString();
    })(),
  ]);
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(head)) {
    if (!name.startsWith(':')) headers[name] = Array.isArray(value) ? value : value === undefined ? undefined : String(value);
  }
  return toSent(Number(head[':status']), headers, text);
}

/** `send` (http.ts) over HTTP/2: a fresh session per request, closed once the answer is read. */
export async function sendH2(url: string, options: SendOptions = {}): Promise<SentResponse> {
  const target = new URL(url);
  const session = await connectH2(undefined, target.origin);
  try {
    return await sendOnSession(session, target.pathname + target.search, options);
  } finally {
    session.close();
  }
}

function toSent(status: number, headers: Record<string, string | string[] | undefined>, text: string): SentResponse {
  return {
    status,
    headers,
    text,
    header: (name) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
