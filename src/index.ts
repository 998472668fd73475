/**
 * cachet's public API: build a gateway from a validated config, or load one from YAML.
 *
 * @example
 * import { createGateway, loadConfigFile } from 'cachet';
 * const gateway = await createGateway(await loadConfigFile('cachet.yaml'));
 * await gateway.listen();
 */
export { createGateway, type Gateway, type GatewayOptions, type ReloadOutcome } from './gateway.ts';
export { loadConfigFile, parseConfig, validateConfig, buildProxyConfig } from './config/load.ts';
export { ConfigError } from './config/validate.ts';
export type { Config } from './config/types.ts';
export { CachetError, isCachetError, type CachetErrorCode } from './errors.ts';
export type { CacheStore, StoredEntry, PurgeSelector } from './cache/store/types.ts';
export type { EntryMeta } from './cache/policy/entry.ts';
export type { Metrics } from './observability/metrics.ts';
export type { Logger } from './observability/logger.ts';
