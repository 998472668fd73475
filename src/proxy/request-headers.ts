import type { IncomingMessage } from 'node:http';
import type { ProxyConfig } from '../config/types.ts';
import { stripHopByHop } from './hop-by-hop.ts';
import { createForwardedHeaders } from './forwarded.ts';
import { appendVia } from './response-headers.ts';
import { propagateTraceparent } from '../observability/trace-context.ts';
import type { HeaderRecord } from './upstream-request.ts';

/** Request fields the cache removes when it asks the origin for a full response it may store. */
const CLIENT_CONDITIONALS = ['if-none-match', 'if-modified-since', 'if-range'] as const;

/** Fields the gateway sets itself on the way upstream; client-sent copies are never forwarded as they are. */
const GATEWAY_FIELDS: ReadonlySet<string> = new Set([
  'expect', 'forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'traceparent', 'tracestate',
]);

export type UpstreamHeaderBuilder = (req: IncomingMessage, requestId: string) => HeaderRecord;

/**
 * Builds the fields sent upstream: hop-by-hop fields removed (RFC 9110 §7.6.1), `Expect` handled here
 * (100-continue is answered by the gateway), X-Forwarded-* set from the connection, `Via` appended,
 * X-Request-ID and W3C trace context propagated.
 */
export function createUpstreamHeaderBuilder(config: ProxyConfig): UpstreamHeaderBuilder {
  const forwardedFor = createForwardedHeaders(config.trustedProxies);
  return (req, requestId) => {
    const headers = stripHopByHop(req.headers as HeaderRecord, GATEWAY_FIELDS);
    const socket = req.socket;
    const forwarded = forwardedFor({
      remoteAddress: socket.remoteAddress,
      encrypted: (socket as { encrypted?: boolean }).encrypted === true,
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
    appendVia(headers, config.via);
    return headers;
  };
}

/** Removes the client's own validators so the origin answers with a full, storable response. */
export function removeClientConditionals(headers: HeaderRecord): void {
  for (const name of CLIENT_CONDITIONALS) delete headers[name];
}
