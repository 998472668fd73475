/**
 * Key matching for `url` and `prefix` purges. A primary key is `scheme://host[:port]` followed by the
 * path and query (RFC 9111 §2 keys on the target URI, RFC 9110 §7.1); a selector starting with `/`
 * names a path and query on every host.
 */

import { pathOfKey, sharedKeyOf } from '../policy/key.ts';

export { pathOfKey };

/** A path selector (`/a?b`) rather than a full key (`http://host/a?b`). */
export function isPathSelector(value: string): boolean {
  return value.charCodeAt(0) === 0x2f;
}

/**
 * A predicate over primary keys for a `url` selector (exact key, or exact path and query on any
 * host) or a `prefix` selector (key prefix, or path prefix on any host).
 */
export function createKeyPredicate(selector: { readonly url: string } | { readonly prefix: string }): (key: string) => boolean {
  if ('url' in selector) {
    const url = selector.url;
    // Per-user entries of a URL go with it.
    return isPathSelector(url) ? (key) => pathOfKey(sharedKeyOf(key)) === url : (key) => sharedKeyOf(key) === url;
  }
  const prefix = selector.prefix;
  return isPathSelector(prefix) ? (key) => pathOfKey(key).startsWith(prefix) : (key) => key.startsWith(prefix);
}
