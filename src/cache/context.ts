import type { Config } from '../config/types.ts';
import type { Clock } from '../clock.ts';
import type { CacheStore } from './store/types.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Logger } from '../observability/logger.ts';
import type { UpstreamHeaderBuilder } from '../forward/request-headers.ts';
import type { FillRegistry } from './fills.ts';
import type { Coalescer } from './coalesce.ts';
import type { FetchOutcome } from './origin-fetch.ts';
import type { PassMemo } from './pass-memo.ts';

/** What the proxy's request handlers share for the gateway's lifetime. */
export interface ProxyContext {
  readonly config: Config;
  readonly store: CacheStore;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly fills: FillRegistry;
  readonly coalescer: Coalescer<FetchOutcome>;
  /** Keys (key + variant) with a background revalidation under way: one per key (RFC 5861 §3). */
  readonly revalidating: Set<string>;
  readonly buildUpstreamHeaders: UpstreamHeaderBuilder;
  /** Keys whose responses were not storable lately: no coalescing for them. */
  readonly passMemo: PassMemo;
  /** `Cache-Status` of a fresh hit up to its ttl value (`cachet; hit; ttl=`), built once. */
  readonly hitStatusPrefix: string;
}
