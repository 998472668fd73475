import { Agent, request, type Dispatcher } from 'undici';

export interface Reply {
  readonly status: number;
  readonly text: string;
  readonly bytes: number;
  header(name: string): string | undefined;
  json<T>(): T;
}

/** A client for one test file: a keep-alive pool, closed with `close()`. */
export function createClient(): {
  send(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply>;
  close(): Promise<void>;
} {
  const dispatcher = new Agent({ keepAliveTimeout: 1000 });
  return {
    async send(url, init = {}) {
      const res = await request(url, {
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: init.headers,
        body: init.body,
        dispatcher,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      const headers = res.headers as Record<string, string | string[] | undefined>;
      return {
        status: res.statusCode,
        text: body.toString('utf8'),
        bytes: body.length,
        header: (name) => {
          const value = headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(', ') : value;
        },
        json: <T>() => JSON.parse(body.toString('utf8')) as T,
      };
    },
    close: () => dispatcher.close(),
  };
}

/** Every role on a free port. */
export const FREE_PORTS = { cachet: 0, admin: 0, issuer: 0, 'origin-1': 0, 'origin-2': 0, 'origin-3': 0 } as const;
