/**
 * `node scripts/dashboard-screenshot.ts [out.png]`: writes the README's picture of the admin dashboard
 * (`docs/dashboard.png` by default). It starts an origin and a gateway on 127.0.0.1 with two upstreams (one
 * with a target down), sends a mix of misses, hits and not-found requests for a while, purges twice, and takes
 * the screenshot in the system Chromium, the way the browser test drives it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { validateConfig } from '../src/config/load.ts';
import { createGateway } from '../src/gateway.ts';
import { findChromium, launchChromium } from '../test/helpers/browser.ts';

const TOKEN = 'dashboard-screenshot-token-0123';
const out = resolve(process.argv[2] ?? resolve(import.meta.dirname, '..', 'docs', 'dashboard.png'));
const chromiumPath = findChromium();
if (chromiumPath === undefined) throw new Error('no chromium on PATH (apt-get install chromium)');

const origin = http.createServer((req, res) => {
  if (req.url?.startsWith('/missing')) res.statusCode = 404;
  else res.setHeader('cache-control', 'max-age=600');
  // A few milliseconds of origin time, so misses and hits differ in latency.
  setTimeout(() => res.end('x'.repeat(2048 + Math.floor(Math.random() * 8192))), 2 + Math.random() * 20);
});
await new Promise<void>((done) => origin.listen(0, '127.0.0.1', done));
const originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;

const gateway = await createGateway(
  validateConfig({
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0, token: TOKEN },
    upstreams: {
      api: { targets: [originUrl] },
      legacy: { targets: [originUrl, 'http://127.0.0.1:9'], healthCheck: { path: '/', intervalMs: 200, unhealthyThreshold: 1 } },
    },
    routes: [
      { path: '/legacy/*', upstream: 'legacy' },
      { path: '/*', upstream: 'api' },
    ],
    log: { level: 'silent' },
  }),
);
const { url, adminUrl } = await gateway.listen();
const browser = await launchChromium(chromiumPath);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
  await page.goto(`${adminUrl}/dashboard#token=${TOKEN}`);
  const until = Date.now() + 12_000;
  let round = 0;
  while (Date.now() < until) {
    round++;
    const batch = 10 + Math.round(10 * Math.abs(Math.sin(round / 8)));
    await Promise.all(
      Array.from({ length: batch }, (_, i) => fetch(`${url}/v1/items/${(round * batch + i) % 40}`).then((res) => res.arrayBuffer())),
    );
    if (round % 5 === 0) await fetch(`${url}/missing/${round}`).then((res) => res.arrayBuffer());
    if (round === 20 || round === 45) {
      await fetch(`${adminUrl}/purge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(round === 20 ? { prefix: '/v1/items/1' } : { url: '/v1/items/7' }),
      });
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await gateway.close();
  origin.close();
}
