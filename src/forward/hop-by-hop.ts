type HeaderRecord = Record<string, string | string[] | undefined>;

/**
 * Connection-specific fields (RFC 9110 §7.6.1), plus two a gateway treats the same way:
 * - `proxy-connection` and `keep-alive`: legacy connection options that are never end-to-end.
 * - `trailer`: the gateway does not forward trailer sections, so announcing one would lie (RFC 9110 §6.6.2).
 * - `proxy-authenticate` / `proxy-authorization` (RFC 9110 §11.7.1-2): they address the next proxy only.
 *   The client's proxy credentials are meant for cachet, which consumes none, so forwarding them would
 *   hand them to the origin; an origin's proxy challenge is not one the client can answer to cachet.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** True for a name removed whatever `Connection` says: the fixed list and HTTP/2 pseudo-fields (`:path`). */
function isHopByHopName(name: string): boolean {
  return name.charCodeAt(0) === 0x3a || HOP_BY_HOP.has(name);
}

/**
 * Copies `headers` without the hop-by-hop fields: the fixed list above, every field named in `Connection`
 * (case-insensitive, comma lists, several field lines; RFC 9110 §7.6.1), and HTTP/2 pseudo-fields (names
 * starting with `:`, connection-specific by RFC 9113 §8.3). Names must be lower-case, as Node and undici
 * give them. Undefined values are dropped. Returns a new object; the input is not modified. Names in
 * `alsoSkip` are left out too (fields the caller sets itself), so the copy is built in one pass. With
 * `dropUnderscored`, names with `_` go too: CGI-style origins read `X_Auth_Subject` as `X-Auth-Subject`
 * (nginx drops them by default for the same reason).
 *
 * Run it before the gateway adds its own fields (X-Forwarded-*, Via, X-Request-ID): a sender's `Connection`
 * can then only remove fields that sender sent itself.
 */
export function stripHopByHop(headers: HeaderRecord, alsoSkip?: ReadonlySet<string>, dropUnderscored = false) {
  const nominated = parseConnectionOptions(headers['connection']);
  const out: HeaderRecord = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHopName(name) || nominated?.has(name) === true || alsoSkip?.has(name) === true) continue;
    if (dropUnderscored && name.includes('_')) continue;
    // A '__proto__' key would set the copy's prototype instead of a field; no real field has that name.
    if (name === '__proto__') continue;
    out[name] = value;
  }
  return out;
}

/** Lower-case field names listed in `Connection` (RFC 9110 §7.6.1: `#connection-option`), or undefined. */
function parseConnectionOptions(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  // The common values name only fields that are hop-by-hop anyway: nothing to collect.
  if (typeof value === 'string' && (value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close'))
    return undefined;
  const options = new Set<string>();
  for (const line of typeof value === 'string' ? [value] : value) {
    for (const item of line.split(',')) {
      const option = item.trim().toLowerCase();
      if (option !== '') options.add(option);
    }
  }
  return options;
}
