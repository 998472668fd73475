/**
 * The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers (the -09 syntax): each a
 * structured-field List (RFC 9651 §3.1) of one Item per policy, the policy name as an sf-string.
 *
 * ```
 * RateLimit-Policy: "per-user";q=100;w=60        q: quota units per window, w: window in seconds
 * RateLimit: "per-user";r=42;t=17                r: units left now, t: seconds until the quota is whole again
 * ```
 * Policy names are config names (letters, digits, `.`, `_`, `-`), so they need no escaping inside the quotes.
 */

/** One RateLimit-Policy item. */
export function formatPolicyItem(name: string, limit: number, windowSec: number): string {
  return `"${name}";q=${limit};w=${windowSec}`;
}

/** What precedes `<remaining>;t=<seconds>` in a policy's RateLimit item, prepared once per policy. */
export function formatStatePrefix(name: string): string {
  return `"${name}";r=`;
}

/** One RateLimit item from its prepared prefix. */
export function formatStateItem(prefix: string, remaining: number, resetSec: number): string {
  return `${prefix}${remaining};t=${resetSec}`;
}

/** Whole seconds from microseconds, rounded up, so a client told to wait never comes back early. */
export function toSecondsUp(us: number): number {
  return us <= 0 ? 0 : Math.ceil(us / 1_000_000);
}
