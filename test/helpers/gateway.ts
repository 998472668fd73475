import type { TestContext } from 'node:test';
import { Agent, request, type Dispatcher } from 'undici';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { Clock } from '../../src/clock.ts';

export interface StartedGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly adminUrl: string | undefined;
}

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/**
 * A gateway on 127.0.0.1:0 in front of `targets`, closed after the test. `raw` is merged over a
 * minimal config (one upstream `api`, one route `/*`) and goes through the real validation.
 */
export async function startGateway(t: TestContext, targets: readonly string[], raw: Record<string, unknown> = {}, clock?: Clock): Promise<StartedGateway> {
  const { upstream, ...rest } = raw as { upstream?: Record<string, unknown> };
  const config = validateConfig({
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
    upstreams: { api: { targets, ...upstream } },
    routes: [{ path: '/*', upstream: 'api' }],
    log: { level: 'silent' },
    ...rest,
  });
  const gateway = await createGateway(config, clock === undefined ? {} : { clock });
  const { url, adminUrl } = await gateway.listen();
  t.after(() => gateway.close());
  return { gateway, url, adminUrl };
}

export interface SentResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  header(name: string): string | undefined;
}

/** One request over a fresh connection (undici adds no fields of its own beyond Host), body read as text. */
export async function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<SentResponse> {
  const res = await request(url, { method: (options.method ?? 'GET') as Dispatcher.HttpMethod, headers: options.headers, body: options.body, dispatcher: oneShot });
  const text = await res.body.text();
  const headers = res.headers as Record<string, string | string[] | undefined>;
  return {
    status: res.statusCode,
    headers,
    text,
    header: (name) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

const oneShot = new Agent({ pipelining: 0, keepAliveTimeout: 10 });
