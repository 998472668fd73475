import type { ProxyConfig } from '../config/types.ts';
import { stripHopByHop } from './hop-by-hop.ts';
import { createForwardedHeaders } from './forwarded.ts';
import { appendVia } from './response-headers.ts';
import { propagateTraceparent } from '../observability/trace-context.ts';
import type { HeaderRecord } from './upstream-request.ts';
import type { Exchange } from './exchange.ts';

/** Request fields the cache removes when it asks the origin for a full response it may store. */
const CLIENT_CONDITIONALS = ['if-none-match', 'if-modified-since', 'if-range'] as const;

/** Fields the gateway sets itself on the way upstream; client-sent copies are never forwarded as they are. */
const GATEWAY_FIELDS = [
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
  'traceparent',
  'tracestate',
  // Fields frameworks read as the client address, host, URL or method: unkeyed by the cache and set by no one
  // the origin can trust, they are how cache poisoning and route-past-auth tricks work.
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-scheme',
  'x-forwarded-server',
  'x-host',
  'x-original-url',
  'x-rewrite-url',
  'x-original-host',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
] as const;

/** Identity fields when no auth section names others; stripped from client requests in every case. */
const DEFAULT_IDENTITY_HEADERS: IdentityHeaderNames = { subject: 'x-auth-subject', scopes: 'x-auth-scopes', claims: {} };

export interface IdentityHeaderNames {
  readonly subject: string;
  readonly scopes: string;
  readonly claims: Readonly<Record<string, string>>;
}

/** What the upstream fields are built from: the request, its ID, the scheme it came with and the verified identity. */
export type UpstreamHeaderSource = Pick<Exchange, 'req' | 'requestId' | 'scheme' | 'identity'>;

export type UpstreamHeaderBuilder = (ex: UpstreamHeaderSource) => HeaderRecord;

/**
 * Builds the fields sent upstream: hop-by-hop fields removed (RFC 9110 §7.6.1), `Expect` handled here
 * (100-continue is answered by the gateway), X-Forwarded-* set from the connection, `Via` appended,
 * X-Request-ID and W3C trace context propagated.
 */
export function createUpstreamHeaderBuilder(
  config: ProxyConfig,
  identityHeaders: IdentityHeaderNames = DEFAULT_IDENTITY_HEADERS,
): UpstreamHeaderBuilder {
  const forwardedFor = createForwardedHeaders(config.trustedProxies);
  const claimHeaders = Object.entries(identityHeaders.claims);
  // Identity fields are the gateway's to set: a client-sent X-Auth-Subject never reaches the upstream, on any route.
  const skip: ReadonlySet<string> = new Set([
    ...GATEWAY_FIELDS,
    ...(DEFAULT_IDENTITY_HEADERS.subject === identityHeaders.subject ? [] : [DEFAULT_IDENTITY_HEADERS.subject]),
    ...(DEFAULT_IDENTITY_HEADERS.scopes === identityHeaders.scopes ? [] : [DEFAULT_IDENTITY_HEADERS.scopes]),
    identityHeaders.subject,
    identityHeaders.scopes,
    ...claimHeaders.map(([, header]) => header),
  ]);
  return ({ req, requestId, scheme, identity }) => {
    const headers = stripHopByHop(req.headers as HeaderRecord, skip, true);
    const socket = req.socket;
    const forwarded = forwardedFor({
      remoteAddress: socket.remoteAddress,
      encrypted: scheme === 'https',
      host: req.headers.host,
      headers: req.headers as HeaderRecord,
    });
    headers['x-forwarded-for'] = forwarded['x-forwarded-for'];
    headers['x-forwarded-proto'] = forwarded['x-forwarded-proto'];
    if (forwarded['x-forwarded-host'] !== undefined) headers['x-forwarded-host'] = forwarded['x-forwarded-host'];
    if (forwarded.forwarded !== undefined) headers['forwarded'] = forwarded.forwarded;
    headers['x-request-id'] = requestId;
    const trace = propagateTraceparent(req.headers.traceparent, req.headers.tracestate);
    headers['traceparent'] = trace.traceparent;
    if (trace.tracestate !== undefined) headers['tracestate'] = trace.tracestate;
    // RFC 9110 §7.6.3: the protocol the request was received with; HTTP/2 is written `2`.
    appendVia(headers, config.via, req.httpVersionMajor === 2 ? '2' : '1.1');
    if (identity !== undefined) {
      if (identity.subject !== undefined) headers[identityHeaders.subject] = identity.subject;
      headers[identityHeaders.scopes] = identity.scopes.join(' ');
      for (const [claim, header] of claimHeaders) {
        const value = identity.claims[claim];
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') headers[header] = String(value);
      }
    }
    return headers;
  };
}

/** Removes the client's own validators so the origin answers with a full, storable response. */
export function removeClientConditionals(headers: HeaderRecord): void {
  for (const name of CLIENT_CONDITIONALS) delete headers[name];
}
