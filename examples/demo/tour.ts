import { FEED_STATUS_TTL_SEC } from './cachet-config.ts';
import { formatBytes } from './load/report.ts';

/** What the tour needs to know about a running stack. */
export interface TourStack {
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  /** Every cachet instance; two when they share `redisUrl`. */
  readonly instances: readonly { readonly name: string; readonly gatewayUrl: string; readonly adminUrl: string }[];
  readonly redisUrl: string | undefined;
  readonly adminToken: string;
  readonly issuerUrl: string;
  readonly originUrls: readonly string[];
  readonly dbPath: string;
  readonly definitionsBytes: number;
}

/** The "what runs where" block printed once the stack is up. */
export function formatStackSummary(stack: TourStack): string[] {
  const gateways =
    stack.redisUrl === undefined
      ? [
          'cachet demo stack is up (Ctrl-C stops everything):',
          `  cachet (gateway)   ${stack.gatewayUrl}     memory store, one-hour cache on the definitions`,
          `  cachet admin API   ${stack.adminUrl}     token ${stack.adminToken}`,
        ]
      : [
          'cachet demo stack is up: two cachet instances sharing one Redis (Ctrl-C stops everything):',
          ...stack.instances.flatMap((instance, index) => [
            `  ${`${instance.name} (gateway)`.padEnd(18)} ${instance.gatewayUrl}     ${index === 0 ? 'redis store behind a memory tier, one-hour cache on the definitions' : 'same config, same Redis'}`,
            `  ${`${instance.name} admin API`.padEnd(18)} ${instance.adminUrl}     token ${index === 0 ? `${stack.adminToken} (the origins purge here)` : 'the same'}`,
          ]),
          `  redis              ${stack.redisUrl}     stored responses, purges and revocations shared by both`,
        ];
  return [
    ...gateways,
    `  token issuer       ${stack.issuerUrl}     RS256 JWTs, JWKS at /.well-known/jwks.json`,
    ...stack.originUrls.map((url, index) => `  origin-${index + 1}           ${url}     threat-intel API instance (stateless)`),
    `  database           ${stack.dbPath}`,
    `  definitions        ${formatBytes(stack.definitionsBytes)}`,
  ];
}

/**
 * A guided tour of copy-pasteable shell commands (bash or zsh, with curl) against the running stack:
 * a token, a cache hit, a 304 instead of a download, a resumed download, a write and the purge it triggers, private data,
 * a route-given lifetime for a response that states none, and an upstream published under a path prefix.
 * With two instances sharing Redis, a stop on the second instance comes after the first hit: stored through one,
 * a hit on the other, and a purge sent to one taking effect on both.
 */
export function formatTour(stack: TourStack): string[] {
  const gw = stack.gatewayUrl;
  const show = `-s -o /dev/null -D - -w 'body: %{size_download} bytes\\n'`;
  const keep = `grep -iE '^(HTTP|cache-status|age|etag|content-range|x-origin-instance|surrogate-key|idempotent-replayed|location|x-content-type-options)|^body'`;
  const resumeAt = Math.floor(stack.definitionsBytes / 2);
  const second = stack.redisUrl === undefined ? undefined : stack.instances[1];
  const sections: (readonly string[])[] = [
    [
      'Get tokens from the issuer, through cachet (alice reads; analyst may also write threats)',
      `token() { curl -s -X POST ${gw}/auth/token -d client_id=$1 -d client_secret=$1-secret | sed -E 's/.*"access_token":"([^"]+)".*/\\1/'; }`,
      'ALICE=$(token alice); BOB=$(token bob); ANALYST=$(token analyst); echo "$ALICE" | cut -c1-40',
    ],
    [
      'Read the threat list twice: the first goes to an origin (fwd=uri-miss; stored), the second is a hit',
      `curl ${show} ${gw}/v1/threats -H "Authorization: Bearer $ALICE" | ${keep}`,
      `curl ${show} ${gw}/v1/threats -H "Authorization: Bearer $ALICE" | ${keep}`,
      '#    No token at all: refused at the edge, the origins never see it (401 + WWW-Authenticate)',
      `curl -s -o /dev/null -w '%{http_code}\\n' ${gw}/v1/threats`,
    ],
    ...(second === undefined ? [] : [formatScaleOutSection(stack, second, show, keep)]),
    [
      `Download the definitions (${formatBytes(stack.definitionsBytes)}, public, max-age=3600), keep the ETag, then ask again with If-None-Match`,
      `ETAG=$(curl ${show} ${gw}/v1/virus-definitions -H "Authorization: Bearer $ALICE" | tee /dev/stderr | grep -i '^etag:' | cut -d' ' -f2 | tr -d '\\r')`,
      `curl ${show} ${gw}/v1/virus-definitions -H "Authorization: Bearer $ALICE" -H "If-None-Match: $ETAG" | ${keep}`,
      "#    -> 304 Not Modified from cachet's copy, 0 body bytes: a few hundred bytes replace the whole download",
      '#    A download cut off half way resumes where it stopped: cachet answers the rest from its copy (206, Content-Range)',
      `curl ${show} ${gw}/v1/virus-definitions -H "Authorization: Bearer $ALICE" -H 'Range: bytes=${resumeAt}-' -H "If-Range: $ETAG" | ${keep}`,
    ],
    [
      'Write: create a threat with an Idempotency-Key; cachet runs it once and answers the retry itself (Idempotent-Replayed: true)',
      `NEW='{"name":"Win32/Trojan.Tourist.A","family":"Trojan","severity":"high","description":"Created during the tour."}'`,
      `curl -s -D - ${gw}/v1/threats -H "Authorization: Bearer $ANALYST" -H 'Content-Type: application/json' -H 'Idempotency-Key: "tour-1"' -d "$NEW"; echo`,
      `curl -s -D - ${gw}/v1/threats -H "Authorization: Bearer $ANALYST" -H 'Content-Type: application/json' -H 'Idempotency-Key: "tour-1"' -d "$NEW" | ${keep}`,
      '#    -> the same 201 and body, Cache-Status: cachet; detail=idempotent-replay: no origin saw the retry',
      '#    The same key with another body: 422 from cachet (CACHET_ERR_IDEMPOTENCY_KEY_REUSED), nothing created',
      `curl -s ${gw}/v1/threats -H "Authorization: Bearer $ANALYST" -H 'Content-Type: application/json' -H 'Idempotency-Key: "tour-1"' -d "\${NEW/high/low}"; echo`,
      '#    Update threat 7 with optimistic locking: without If-Match 428, with its current ETag 200, with that ETag again 412',
      `UPD='{"name":"Win32/Trojan.Tourist.B","family":"Trojan","severity":"critical","description":"Updated during the tour."}'`,
      `T7=$(curl -s -o /dev/null -D - ${gw}/v1/threats/7 -H "Authorization: Bearer $ALICE" | grep -i '^etag:' | cut -d' ' -f2 | tr -d '\\r')`,
      `curl -s -o /dev/null -w '%{http_code}\\n' -X PUT ${gw}/v1/threats/7 -H "Authorization: Bearer $ANALYST" -H 'Content-Type: application/json' -d "$UPD"`,
      `curl -s -o /dev/null -w '%{http_code}\\n' -X PUT ${gw}/v1/threats/7 -H "Authorization: Bearer $ANALYST" -H 'Content-Type: application/json' -H "If-Match: $T7" -d "$UPD"`,
      `curl -s -o /dev/null -w '%{http_code}\\n' -X PUT ${gw}/v1/threats/7 -H "Authorization: Bearer $ANALYST" -H 'Content-Type: application/json' -H "If-Match: $T7" -d "$UPD"`,
      '#    The origin purged the tags "threats threat-7" through the admin API: the list is a miss again, then a hit',
      `curl ${show} ${gw}/v1/threats -H "Authorization: Bearer $ALICE" | ${keep}`,
      `curl ${show} ${gw}/v1/threats -H "Authorization: Bearer $ALICE" | ${keep}`,
    ],
    [
      'Private data: alice records a scan; her list is never stored, and bob sees only his own',
      `curl -s ${gw}/v1/users/me/scans -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' -d '{"target":"invoice.pdf"}'; echo`,
      `curl -s -D - ${gw}/v1/users/me/scans -H "Authorization: Bearer $ALICE"; echo`,
      `curl -s ${gw}/v1/users/me/scans -H "Authorization: Bearer $BOB"; echo`,
      '#    Scan submissions are rate limited per user (5 a minute, on every instance): RateLimit counts down, then 429 + Retry-After',
      `for i in 1 2 3 4 5; do curl -s -o /dev/null -D - ${gw}/v1/users/me/scans -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' -d '{"target":"bulk.zip"}' | grep -iE '^(HTTP|ratelimit|retry-after)'; done`,
    ],
    [
      `Feed status: the origin sends no Cache-Control, Expires or Last-Modified; the route's cache.defaultTtlSec gives it ${FEED_STATUS_TTL_SEC} s`,
      `curl ${show} ${gw}/v1/feeds/status | ${keep}`,
      `curl ${show} ${gw}/v1/feeds/status | ${keep}`,
      `#    -> fwd=uri-miss; fwd-status=200; ttl=${FEED_STATUS_TTL_SEC - 1}; stored, then a hit with Age; the route also leaves utm_source out of the key, so this is a hit too`,
      `curl ${show} '${gw}/v1/feeds/status?utm_source=newsletter' | ${keep}`,
    ],
    [
      'The issuer published under /issuer/: the route strips its prefix, sends the issuer its own Host and no client credentials, and adds a response field',
      `curl ${show} ${gw}/issuer/.well-known/jwks.json | ${keep}`,
      "#    -> 200 from the issuer's /.well-known/jwks.json (it has no /issuer path), with X-Content-Type-Options: nosniff from the route",
      '#    The route publishes reads only: a POST is refused by cachet (405 + Allow), the issuer never sees it',
      `curl -s -o /dev/null -D - -X POST ${gw}/issuer/admin/rotate | grep -iE '^(HTTP|allow)'`,
    ],
    [
      'What the gateway counted, and a purge by hand',
      `curl -s ${stack.adminUrl}/metrics -H 'Authorization: Bearer ${stack.adminToken}' | grep -E '^cachet_(cache_hit_ratio|cache_hits_total|cache_misses_total|purges_total|rate_limit_requests_total)'`,
      `curl -s -X POST ${stack.adminUrl}/purge -H 'Authorization: Bearer ${stack.adminToken}' -H 'Content-Type: application/json' -d '{"tag":"threats"}'; echo`,
    ],
    [
      'A thousand devices against this stack (hit ratio, origin requests, bytes saved, p50/p99):',
      `npm run demo:load -- --gateway ${gw} --admin-url ${stack.adminUrl} --admin-token ${stack.adminToken}`,
    ],
  ];
  return [
    'Guided tour: paste these into another terminal (bash or zsh, with curl).',
    ...sections.flatMap(([title, ...commands], index) => ['', `# ${index + 1}. ${title}`, ...commands]),
  ];
}

/**
 * Two instances, one cache: stored through the first, a hit on the second; purged on the first, gone from both.
 * The host is part of the cache key (RFC 9111 §2), and behind a load balancer every instance sees the same one:
 * `curl --connect-to` sends the first instance's URL to the second, as a balancer would.
 */
function formatScaleOutSection(stack: TourStack, second: TourStack['instances'][number], show: string, keep: string): readonly string[] {
  const first = stack.instances[0]?.name ?? 'cachet-1';
  const url = `${stack.gatewayUrl}/v1/threats/3`;
  const to = new URL(second.gatewayUrl).host;
  const via = `${second.name.replace('-', '')}`;
  return [
    `Two instances, one cache: threat 3 stored through ${first} is a hit on ${second.name} (Cache-Status: hit)`,
    `#    A load balancer sends the same URL (same Host, part of the cache key) to any instance; ${via} does that with curl`,
    `${via}() { curl --connect-to ${new URL(stack.gatewayUrl).host}:${to} "$@"; }`,
    `curl ${show} ${url} -H "Authorization: Bearer $ALICE" | ${keep}`,
    `${via} ${show} ${url} -H "Authorization: Bearer $ALICE" | ${keep}`,
    `#    Purge it on ${first}'s admin API: ${second.name}'s next answer is a miss (fwd=uri-miss), the purge reached it through Redis`,
    `curl -s -X POST ${stack.adminUrl}/purge -H 'Authorization: Bearer ${stack.adminToken}' -H 'Content-Type: application/json' -d '{"url":"/v1/threats/3"}'; echo`,
    `${via} ${show} ${url} -H "Authorization: Bearer $ALICE" | ${keep}`,
  ];
}
