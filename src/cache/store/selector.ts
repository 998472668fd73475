/**
 * Key matching for `url` and `prefix` purges. A primary key is `scheme://host[:port]` followed by the
 * path and query (RFC 9111 §2 keys on the target URI, RFC 9110 §7.1); a selector starting with `/`
 * names a path and query on every host.
 */

/** A path selector (`/a?b`) rather than a full key (`http://host/a?b`). */
export function isPathSelector(value: string): boolean {
  return value.charCodeAt(0) === 0x2f;
}

/**
 * The path and query of a primary key: everything after the authority (RFC 9110 §4.2.1), `/` when
 * the path is empty. Written here because `src/cache/key.ts` did not exist yet; it must agree with
 * the key builder.
 */
export function pathOfKey(key: string): string {
  const schemeEnd = key.indexOf('://');
  const authorityAt = schemeEnd === -1 ? 0 : schemeEnd + 3;
  for (let i = authorityAt; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code === 0x2f) return key.slice(i);
    // An empty path before the query is the root path (RFC 9110 §4.2.3).
    if (code === 0x3f) return '/' + key.slice(i);
  }
  return '/';
}

/**
 * A predicate over primary keys for a `url` selector (exact key, or exact path and query on any
 * host) or a `prefix` selector (key prefix, or path prefix on any host).
 */
export function createKeyPredicate(selector: { readonly url: string } | { readonly prefix: string }): (key: string) => boolean {
  if ('url' in selector) {
    const url = selector.url;
    return isPathSelector(url) ? (key) => pathOfKey(key) === url : (key) => key === url;
  }
  const prefix = selector.prefix;
  return isPathSelector(prefix) ? (key) => pathOfKey(key).startsWith(prefix) : (key) => key.startsWith(prefix);
}
