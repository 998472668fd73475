import type { Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { RedisConnection } from '../redis/connection.ts';
import { createRateLimiter, type RateLimiter } from './limiter.ts';

export { createRateLimiter, setRateLimitFields } from './limiter.ts';
export type { RateLimiter, RateLimitVerdict, RateLimitAdmission, RateLimitRefusal } from './limiter.ts';

/**
 * The gateway's rate limiter: undefined when no route names a policy (nothing is checked, nothing costs).
 * `redis`: the shared store's connection, under whose key prefix every instance counts the same clients.
 */
export function createRateLimits(
  config: Config,
  redis: RedisConnection | undefined,
  deps: { readonly registry: Registry; readonly logger: Logger; readonly clock: Clock },
): RateLimiter | undefined {
  if (config.rateLimits === undefined || !config.routes.some((route) => route.rateLimit !== undefined)) return undefined;
  const keyPrefix = config.store.type === 'redis' ? config.store.keyPrefix : '';
  return createRateLimiter({
    policies: config.rateLimits,
    routes: config.routes,
    trustedProxies: config.proxy.trustedProxies,
    ...(redis === undefined ? {} : { shared: { redis, keyPrefix } }),
    ...deps,
  });
}
