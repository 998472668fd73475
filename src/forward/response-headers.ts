import type { HeaderRecord } from './upstream-request.ts';
import { stripHopByHop } from './hop-by-hop.ts';

export interface ClientHeaderOptions {
  /** `Via` pseudonym (RFC 9110 §7.6.3). */
  readonly via: string;
  /**
   * Fields the gateway consumes and never shows clients: Surrogate-Key / Cache-Tag unless forwarded, and
   * Surrogate-Control when the cache obeys it (W3C Edge Architecture 1.0: it is meant for surrogates).
   */
  readonly hiddenFields: ReadonlySet<string>;
}

const TAG_FIELDS = ['surrogate-key', 'cache-tag'] as const;

/** How upstream fields are shown to clients, built once at start-up. */
export function createClientHeaderOptions(via: string, forwardTagHeaders: boolean, hideSurrogateControl: boolean): ClientHeaderOptions {
  const hidden = new Set<string>(forwardTagHeaders ? [] : TAG_FIELDS);
  if (hideSurrogateControl) hidden.add('surrogate-control');
  return Object.freeze({ via, hiddenFields: hidden });
}

/**
 * Fields of an upstream response as a client should see them: hop-by-hop fields removed (RFC 9110 §7.6.1),
 * our hop appended to Via, the hidden fields removed. Returns a new object.
 */
export function buildClientHeaders(upstream: HeaderRecord, options: ClientHeaderOptions): HeaderRecord {
  const headers = stripHopByHop(upstream);
  appendVia(headers, options.via);
  for (const name of options.hiddenFields) delete headers[name];
  return headers;
}

export function appendVia(headers: HeaderRecord, pseudonym: string, receivedProtocol = '1.1'): void {
  const existing = headers['via'];
  const hop = `${receivedProtocol} ${pseudonym}`;
  if (existing === undefined) headers['via'] = hop;
  else headers['via'] = `${Array.isArray(existing) ? existing.join(', ') : existing}, ${hop}`;
}

/** Flattens a header record into the `[name, value, name, value]` list `res.writeHead` takes, repeating names of multi-valued fields. */
export function flattenHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  skip?: ReadonlySet<string>,
): string[] {
  const flat: string[] = [];
  for (const name in headers) {
    if (skip?.has(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') flat.push(name, value);
    else for (const item of value) flat.push(name, item);
  }
  return flat;
}
