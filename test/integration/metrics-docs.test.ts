import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startOrigin } from '../helpers/origin.ts';
import { startGateway, send, ADMIN_TOKEN } from '../helpers/gateway.ts';
import { startIssuer } from '../helpers/tokens.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** `cachet_*` metric → type, from the tables of docs/metrics.md (`| \`name\` | type | labels | meaning |`). */
async function documentedMetrics(): Promise<Map<string, string>> {
  const text = await readFile(join(ROOT, 'docs/metrics.md'), 'utf8');
  const documented = new Map<string, string>();
  for (const match of text.matchAll(/^\| `(cachet_[a-z0-9_]+)` \| ([a-z]+) \|/gm)) {
    assert.ok(!documented.has(match[1] as string), `${match[1]} documented twice`);
    documented.set(match[1] as string, match[2] as string);
  }
  return documented;
}

/** Every metric name the sources register (`name: 'cachet_...'`), the supervisor's and Redis-only ones included. */
async function registeredInSources(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const entry of await readdir(join(ROOT, 'src'), { recursive: true })) {
    if (!entry.endsWith('.ts')) continue;
    const text = await readFile(join(ROOT, 'src', entry), 'utf8');
    for (const match of text.matchAll(/name: '(cachet_[a-z0-9_]+)'/g)) names.add(match[1] as string);
  }
  return names;
}

/** `cachet_*` metric → type from the `# TYPE` lines of an exposition. */
function exported(exposition: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (cachet_[a-z0-9_]+) ([a-z]+)$/gm)) types.set(match[1] as string, match[2] as string);
  return types;
}

test('docs/metrics.md documents every cachet_ metric the gateway exports and the sources register, and no other', async (t) => {
  const issuer = await startIssuer(t);
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=60');
    res.end('body');
  });
  const gateway = await startGateway(t, [origin.url], {
    auth: { jwt: { issuer: issuer.issuer, audience: 'cachet-test', jwksUri: issuer.jwksUri, algorithms: ['RS256'] } },
    rateLimits: { few: { limit: 1, windowSec: 60, by: 'ip' } },
    routes: [
      { path: '/limited/*', upstream: 'api', rateLimit: 'few' },
      { path: '/orders', methods: ['POST'], upstream: 'api', idempotency: { required: true } },
      { path: '/private/*', upstream: 'api', auth: 'jwt' },
      { path: '/*', upstream: 'api' },
    ],
  });
  // Some traffic, so labelled series exist too: a miss, a hit, a refusal by each policy, a purge.
  await send(`${gateway.url}/a`);
  await send(`${gateway.url}/a`);
  await send(`${gateway.url}/limited/a`);
  assert.equal((await send(`${gateway.url}/limited/a`)).status, 429);
  assert.equal((await send(`${gateway.url}/private/a`)).status, 401);
  assert.equal((await send(`${gateway.url}/orders`, { method: 'POST', headers: { 'idempotency-key': '"k1"' }, body: '{}' })).status, 200);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  await send(`${gateway.adminUrl}/purge`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: '{"url":"/a"}',
  });
  const scrape = await send(`${gateway.adminUrl}/metrics`, { headers: admin });
  assert.equal(scrape.status, 200);

  const documented = await documentedMetrics();
  const live = exported(scrape.text);
  const sources = await registeredInSources();
  assert.ok(live.size >= 25, `a live exposition with the gateway's metrics (${live.size})`);
  for (const [name, type] of live) {
    assert.ok(documented.has(name), `${name} is exported but not in docs/metrics.md`);
    assert.equal(documented.get(name), type, `${name}: docs/metrics.md says ${documented.get(name)}, the exposition ${type}`);
  }
  for (const name of sources) assert.ok(documented.has(name), `${name} is registered in src but not in docs/metrics.md`);
  for (const name of documented.keys()) {
    assert.ok(live.has(name) || sources.has(name), `${name} is in docs/metrics.md but no source registers it`);
  }
});
