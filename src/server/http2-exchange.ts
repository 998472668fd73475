import { Http2ServerRequest, Http2ServerResponse, type ServerHttp2Stream } from 'node:http2';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { ReadableOptions } from 'node:stream';

/**
 * Node's HTTP/2 compatibility request and response, made to read like node:http's where the gateway relies on
 * it, so every layer above serves both protocols with the same code.
 */

/**
 * Connection-specific fields: an HTTP/2 message carrying one is malformed (RFC 9113 §8.2.2). Node's HTTP/2
 * layer refuses them in requests; in responses it throws, so they are left out here (the gateway's
 * `connection: close` on a refusal means nothing on a stream).
 */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

export class GatewayHttp2Request extends Http2ServerRequest {
  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, options: ReadableOptions, rawHeaders: readonly string[]) {
    // RFC 9113 §8.3.1: `:authority` takes the place of Host. The cache key, the Host sent upstream and
    // X-Forwarded-Host all read `host`, so they key and forward the same way as over HTTP/1.1.
    const authority = headers[':authority'];
    if (headers.host === undefined && typeof authority === 'string') headers.host = authority;
    super(stream, headers, options, rawHeaders);
  }
}

type Fields = OutgoingHttpHeaders | readonly string[];

export class GatewayHttp2Response extends Http2ServerResponse<GatewayHttp2Request> {
  override setHeader(name: string, value: number | string | readonly string[]): void {
    if (!CONNECTION_SPECIFIC.has(name.toLowerCase())) super.setHeader(name, value);
  }

  override appendHeader(name: string, value: string | string[]): void {
    if (!CONNECTION_SPECIFIC.has(name.toLowerCase())) super.appendHeader(name, value);
  }

  /** HTTP/2 has no reason phrase (RFC 9113 §8.3.2): only the status and the fields are used. */
  override writeHead(statusCode: number, reasonOrFields?: string | Fields, fields?: Fields): this {
    const given = typeof reasonOrFields === 'string' ? fields : reasonOrFields;
    return super.writeHead(statusCode, given === undefined ? undefined : withoutConnectionFields(given));
  }
}

// As on node:http's ServerResponse, which the gateway's checks read: the stream was reset or destroyed; it is
// closed (answered, reset or cut). Node's compatibility response has neither.
Object.defineProperties(GatewayHttp2Response.prototype, {
  destroyed: {
    get(this: GatewayHttp2Response) {
      return this.stream.destroyed;
    },
  },
  closed: {
    get(this: GatewayHttp2Response) {
      return this.stream.closed;
    },
  },
});

/** The fields without connection-specific ones; the same object when it has none (the usual case). */
export function withoutConnectionFields(fields: Fields): Fields {
  if (isFlatList(fields)) {
    let found = false;
    for (let i = 0; i < fields.length; i += 2) if (CONNECTION_SPECIFIC.has(String(fields[i]).toLowerCase())) found = true;
    if (!found) return fields;
    const kept: string[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i] as string;
      if (!CONNECTION_SPECIFIC.has(name.toLowerCase())) kept.push(name, fields[i + 1] as string);
    }
    return kept;
  }
  let copy: OutgoingHttpHeaders | undefined;
  for (const name in fields) {
    if (!CONNECTION_SPECIFIC.has(name.toLowerCase())) continue;
    copy ??= { ...fields };
    delete copy[name];
  }
  return copy ?? fields;
}

function isFlatList(fields: Fields): fields is readonly string[] {
  return Array.isArray(fields);
}
