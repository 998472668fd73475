import type { HeaderRecord } from './upstream-request.ts';
import { stripHopByHop } from './hop-by-hop.ts';

export interface ClientHeaderOptions {
  /** `Via` pseudonym (RFC 9110 §7.6.3). */
  readonly via: string;
  /** Keep Surrogate-Key / Cache-Tag in responses to clients. */
  readonly forwardTagHeaders: boolean;
}

/**
 * Fields of an upstream response as a client should see them: hop-by-hop fields removed (RFC 9110 §7.6.1),
 * our hop appended to Via, cache tags removed unless configured. Returns a new object.
 */
export function buildClientHeaders(upstream: HeaderRecord, options: ClientHeaderOptions): HeaderRecord {
  const headers = stripHopByHop(upstream);
  appendVia(headers, options.via);
  if (!options.forwardTagHeaders) {
    delete headers['surrogate-key'];
    delete headers['cache-tag'];
  }
  return headers;
}

export function appendVia(headers: HeaderRecord, pseudonym: string): void {
  const existing = headers['via'];
  const hop = `1.1 ${pseudonym}`;
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
