import type http from 'node:http';
import type { Definitions } from './definitions.ts';
import { sendJson } from './http.ts';
import type { ThreatStore } from './threat-store.ts';

/** What the feed status needs from the running origin. */
export interface FeedStatusDeps {
  readonly threats: ThreatStore;
  readonly definitions: Definitions;
  readonly now: () => number;
}

/**
 * `GET /v1/feeds/status`: public, unauthenticated summary of what each feed currently holds, polled by
 * dashboards and uptime checks. Like many real status endpoints it states no freshness at all (no
 * Cache-Control, Expires or Last-Modified), so a cache may not store it unless told how long it stays fresh.
 */
export function sendFeedStatus(deps: FeedStatusDeps, res: http.ServerResponse): void {
  const threats = deps.threats.list();
  const latest = threats.reduce((max, threat) => Math.max(max, Date.parse(threat.updatedAt)), 0);
  sendJson(res, 200, {
    feeds: [
      { name: 'threats', entries: threats.length, updatedAt: latest > 0 ? new Date(latest).toISOString() : null },
      { name: 'virus-definitions', version: deps.definitions.etag.slice(1, 13), bytes: deps.definitions.body.length },
    ],
    checkedAt: new Date(deps.now()).toISOString(),
  });
}
