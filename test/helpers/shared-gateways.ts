import type { TestContext } from 'node:test';
import { ADMIN_TOKEN, send, startGateway, type SentResponse, type StartedGateway } from './gateway.ts';

/** Every gateway of a test behind one name, as behind a load balancer: the same Host, so the same cache keys. */
export const SHARED_HOST = { host: 'api.test' };

/**
 * A gateway on a Redis store (`url` or `cluster`) under a key prefix several gateways of one test share,
 * with a memory tier in front and short Redis timeouts.
 */
export function startSharedGateway(
  t: TestContext,
  targets: readonly string[],
  redis: { readonly url: string } | { readonly cluster: readonly string[] },
  keyPrefix: string,
  raw: Record<string, unknown> = {},
): Promise<StartedGateway> {
  return startGateway(t, targets, { store: { type: 'redis', ...redis, keyPrefix, commandTimeoutMs: 200 }, ...raw });
}

/** GET through a gateway with the shared Host. */
export function get(gateway: StartedGateway, path: string, headers: Record<string, string> = {}): Promise<SentResponse> {
  return send(`${gateway.url}${path}`, { headers: { ...SHARED_HOST, ...headers } });
}

export function isHit(answer: SentResponse): boolean {
  return /^cachet; hit/.test(answer.header('cache-status') ?? '');
}

/** An admin call with the admin token and a JSON body. */
export function admin(gateway: StartedGateway, path: string, body: unknown, method = 'POST'): Promise<SentResponse> {
  return send(`${gateway.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Polls `check` every few milliseconds until it holds; rejects after `timeoutMs` naming `what`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5000): Promise<number> {
  const startedAt = performance.now();
  while (!(await check())) {
    if (performance.now() - startedAt > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - startedAt;
}

/** The value at quantile `q` (0..1) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
