/**
 * The config of the `hit-1k-limited` scenario: `cachet proxy`'s one route in front of the origin, naming a
 * rate-limit policy by client address whose limit no run comes near, so every request is checked, counted
 * and answered with RateLimit fields, and none is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | undefined;

/** Writes the config (JSON, which YAML reads) for `originUrl`; answers its path. Removed when the process exits. */
export function writeRateLimitedConfig(originUrl: string): string {
  if (dir === undefined) {
    const created = mkdtempSync(join(tmpdir(), 'cachet-bench-'));
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
    dir = created;
  }
  const path = join(dir, `rate-limited-${Date.now()}.yaml`);
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    store: { type: 'memory' },
    upstreams: { origin: { targets: [originUrl] } },
    rateLimits: { bench: { limit: 100_000_000, windowSec: 3600, by: 'ip' } },
    routes: [{ path: '/*', upstream: 'origin', rateLimit: 'bench' }],
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}
