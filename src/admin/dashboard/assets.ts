import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

/**
 * The dashboard is three plain files beside this module (copied into `dist/` by the build): no bundler, no
 * framework, nothing fetched from another origin. They are read on first use and kept.
 */
const ASSETS: ReadonlyMap<string, { readonly file: string; readonly contentType: string }> = new Map([
  ['/dashboard', { file: 'index.html', contentType: 'text/html; charset=utf-8' }],
  ['/dashboard/app.js', { file: 'app.js', contentType: 'text/javascript; charset=utf-8' }],
  ['/dashboard/style.css', { file: 'style.css', contentType: 'text/css; charset=utf-8' }],
]);

/**
 * Only this origin's script, style and `stats` requests; no inline script or style, no frames, forms or base
 * URL (CSP Level 3). The empty `data:` favicon keeps the browser from asking for `/favicon.ico`, which needs a token.
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const bodies = new Map<string, Buffer>();

/** Whether `path` is the dashboard page or one of its files (served without a token). */
export function isDashboardPath(path: string): boolean {
  return ASSETS.has(path);
}

/** Answers a dashboard file; `path` must satisfy {@link isDashboardPath}. */
export function sendDashboardAsset(res: ServerResponse, path: string): void {
  const asset = ASSETS.get(path);
  if (asset === undefined) throw new Error(`not a dashboard file: ${path}`);
  let body = bodies.get(asset.file);
  if (body === undefined) {
    body = readFileSync(new URL(asset.file, import.meta.url));
    bodies.set(asset.file, body);
  }
  res.writeHead(200, {
    'content-type': asset.contentType,
    'content-length': body.length,
    'cache-control': 'no-store',
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}
