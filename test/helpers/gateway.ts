import type { TestContext } from 'node:test';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { Clock } from '../../src/clock.ts';
import type { Config } from '../../src/config/types.ts';

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
export async function startGateway(
  t: TestContext,
  targets: readonly string[],
  raw: Record<string, unknown> = {},
  clock?: Clock,
): Promise<StartedGateway> {
  const gateway = await createGateway(buildGatewayConfig(targets, raw), clock === undefined ? {} : { clock });
  const { url, adminUrl } = await gateway.listen();
  t.after(() => gateway.close());
  return { gateway, url, adminUrl };
}

/** The config `startGateway` runs, validated: `raw` merged over one upstream `api` of `targets` and one route `/*`. */
export function buildGatewayConfig(targets: readonly string[], raw: Record<string, unknown> = {}): Config {
  const { upstream, ...rest } = raw as { upstream?: Record<string, unknown> };
  return validateConfig({
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
    upstreams: { api: { targets, ...upstream } },
    routes: [{ path: '/*', upstream: 'api' }],
    log: { level: 'silent' },
    ...rest,
  });
}

export { send, type SentResponse } from './http.ts';
