import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { findChromium, launchChromium, watchPage } from '../helpers/browser.ts';
import { startOrigin } from '../helpers/origin.ts';
import { ADMIN_TOKEN, send, startGateway } from '../helpers/gateway.ts';

// The dashboard in a real headless Chromium (the system's, driven by playwright-core): the panels render, the
// numbers follow the traffic, a purge shows up, and the page makes no request elsewhere and logs no error.
// Without a Chromium on PATH these tests are skipped, loudly.

const METRICS_TOKEN = 'read-only-metrics-token-0123';
const chromiumPath = findChromium();
let browser: Browser | undefined;
after(() => browser?.close());

/** A fresh page in the shared browser, or undefined after skipping the test when no Chromium is installed. */
async function openPage(t: TestContext): Promise<Page | undefined> {
  if (chromiumPath === undefined) {
    console.warn('SKIPPED: no chromium on PATH; install it (apt-get install chromium) to test the dashboard in a browser');
    t.skip('no chromium on PATH');
    return undefined;
  }
  browser ??= await launchChromium(chromiumPath);
  const context = await browser.newContext();
  t.after(() => context.close());
  return context.newPage();
}

/** Waits until the element `selector` holds exactly `text` (the page polls once a second). */
async function waitForText(page: Page, selector: string, text: string | RegExp): Promise<void> {
  const exact = typeof text === 'string' ? new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : text;
  try {
    await page.locator(selector).filter({ hasText: exact }).waitFor({ timeout: 10_000 });
  } catch (err) {
    const shown = await page.locator(selector).textContent();
    assert.fail(`${selector} shows ${JSON.stringify(shown)}, expected ${String(exact)}: ${(err as Error).message}`);
  }
}

test('the dashboard renders, follows traffic and purges, and loads nothing from elsewhere without errors', {
  timeout: 60_000,
}, async (t) => {
  const page = await openPage(t);
  if (page === undefined) return;
  const origin = await startOrigin(t, (_req, res) => {
    res.setHeader('cache-control', 'max-age=600');
    res.end('a cacheable body of some forty bytes ....');
  });
  const { url, adminUrl } = await startGateway(t, [origin.url], {
    admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN, metricsToken: METRICS_TOKEN },
  });
  assert.ok(adminUrl !== undefined);
  const problems = await watchPage(page, new URL(adminUrl).origin);
  const stats: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/stats') stats.push(request.headers()['authorization'] ?? '');
  });

  await page.goto(`${adminUrl}/dashboard#token=${METRICS_TOKEN}`);
  await waitForText(page, '#state', 'Live');
  for (const title of ['Requests', 'Hit ratio', 'Latency', 'Bytes', 'Upstreams', 'Responses by status', 'Recent purges']) {
    assert.equal(await page.getByRole('heading', { name: title }).count(), 1, title);
  }
  await waitForText(page, '#requests-total', '0');
  assert.equal(await page.locator('#hit-ratio').textContent(), '–');
  assert.equal(await page.locator('#upstreams tr').count(), 1);
  assert.deepEqual(await page.locator('#upstreams td').allTextContents(), ['api', '1 / 1']);
  assert.equal(await page.locator('#health-status').textContent(), 'ok');
  assert.equal(await page.locator('#purges-empty').isVisible(), true);

  // One miss, then four hits.
  for (let i = 0; i < 5; i++) assert.equal((await send(`${url}/item`)).status, 200);
  await waitForText(page, '#requests-total', '5');
  await waitForText(page, '#hit-ratio', '80.0 %');
  assert.deepEqual([await page.locator('#hits').textContent(), await page.locator('#misses').textContent()], ['4', '1']);
  assert.deepEqual(await page.locator('#statuses td').allTextContents(), ['200', '5']);
  assert.match((await page.locator('#latency-p50').textContent()) ?? '', /^\d+(\.\d+)? (ms|s)$/);
  assert.match((await page.locator('#latency-p99').textContent()) ?? '', /^\d+(\.\d+)? (ms|s)$/);
  assert.match((await page.locator('#requests-rate').textContent()) ?? '', /^\d+(\.\d+)?$/);
  assert.match((await page.locator('#store-bytes').textContent()) ?? '', /^\d+(\.\d)? (B|KiB)$/);

  const purge = await send(`${adminUrl}/purge`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: '/item' }),
  });
  assert.equal(purge.status, 200);
  // A selector is shown as text: markup in it is never parsed.
  await send(`${adminUrl}/purge`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tag: '<img src=x id=injected>' }),
  });
  await waitForText(page, '#purges li:nth-child(2)', /url \/item: 1 entry$/);
  await waitForText(page, '#purges li:first-child', /tag <img src=x id=injected>: 0 entries$/);
  assert.equal(await page.locator('#injected').count(), 0);
  assert.equal(await page.locator('#purges-empty').isVisible(), false);

  assert.ok(stats.length >= 3, `polled ${stats.length} times`);
  assert.ok(
    stats.every((authorization) => authorization === `Bearer ${METRICS_TOKEN}`),
    'every data request carries the token',
  );
  assert.deepEqual(problems, { consoleErrors: [], pageErrors: [], failedRequests: [], errorResponses: [], foreignRequests: [] });
});

test('the dashboard says it needs a token when opened without one, and shows the 401 for a wrong one', { timeout: 60_000 }, async (t) => {
  const page = await openPage(t);
  if (page === undefined) return;
  const origin = await startOrigin(t);
  const { adminUrl } = await startGateway(t, [origin.url]);
  assert.ok(adminUrl !== undefined);
  const problems = await watchPage(page, new URL(adminUrl).origin);
  let statsRequests = 0;
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/stats') statsRequests++;
  });

  await page.goto(`${adminUrl}/dashboard`);
  await waitForText(page, '#state', /needs a token: open it as \/dashboard#token=<admin or metrics token>/);
  assert.equal(statsRequests, 0);
  assert.equal(await page.locator('#requests-total').textContent(), '–');

  await page.goto(`${adminUrl}/dashboard#token=not-the-token`);
  await waitForText(page, '#state', /^401: The bearer token is not valid\./);
  assert.equal(await page.locator('#state.error').count(), 1);
  // A refused token is not retried until the address changes.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(statsRequests, 1);

  await page.goto(`${adminUrl}/dashboard#token=${ADMIN_TOKEN}`);
  await waitForText(page, '#state', 'Live');
  await waitForText(page, '#requests-total', '0');
  assert.deepEqual(problems.errorResponses, [`401 ${adminUrl}/stats`]);
  assert.deepEqual([problems.pageErrors, problems.failedRequests, problems.foreignRequests], [[], [], []]);
});
