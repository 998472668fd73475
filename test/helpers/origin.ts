import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export type OriginHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, count: number) => unknown;

export interface Origin {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Requests seen for one path (with query). */
  count(url?: string): number;
  handle(handler: OriginHandler): void;
  close(): Promise<void>;
  server: http.Server;
}

/** A real origin on 127.0.0.1 that records every request it receives; closed after the test. */
export async function startOrigin(t: TestContext | undefined, handler?: OriginHandler, port = 0): Promise<Origin> {
  let current: OriginHandler =
    handler ??
    ((_req, res) => {
      res.end('ok');
    });
  const requests: RecordedRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      // The gateway gave up on this request mid-body (its client went away): nothing to answer.
      return;
    }
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    try {
      await current(req, res, body, requests.length);
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const origin: Origin = {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    server,
    count: (url) => (url === undefined ? requests.length : requests.filter((r) => r.url === url).length),
    handle: (next) => {
      current = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  t?.after(() => origin.close());
  return origin;
}
