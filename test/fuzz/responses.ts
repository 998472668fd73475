/** One response as the client read it off the wire. */
export interface WireResponse {
  readonly status: number;
  /** Lower-case names; repeated fields joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** False when the connection ended before the framing said the message was over. */
  readonly complete: boolean;
}

export interface ReadResponses {
  /** Final (non-1xx) responses, in order. */
  readonly responses: WireResponse[];
  /** Interim (1xx) responses seen, as `[index of the final response they precede, status]`. */
  readonly interim: Array<readonly [number, number]>;
  /** Set when bytes where a response should start are not one (or a chunked body is malformed). */
  readonly garbage?: string;
  /** A 101 was read: what follows belongs to another protocol. */
  readonly switched: boolean;
}

/**
 * Frames every response in `raw` (RFC 9112 §6.3): no body for HEAD, 1xx, 204 and 304; then chunked coding,
 * Content-Length, or read until close. `methods[i]` is the method of the i-th request on the connection.
 * A message cut short is returned with `complete: false` only once `closed` is true.
 */
export function readResponses(raw: string, methods: readonly string[], closed: boolean): ReadResponses {
  const responses: WireResponse[] = [];
  const interim: Array<readonly [number, number]> = [];
  let at = 0;
  const result = (garbage?: string, switched = false): ReadResponses =>
    garbage === undefined ? { responses, interim, switched } : { responses, interim, garbage, switched };
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    if (headEnd === -1) {
      if (!/^H(T(T(P(\/(1(\.(1( (\d{0,3})?)?)?)?)?)?)?)?)?/.test(raw.slice(at, at + 13)))
        return result(`not a response: ${JSON.stringify(raw.slice(at, at + 40))}`);
      if (closed) responses.push({ status: 0, headers: {}, body: '', complete: false });
      return result();
    }
    const lines = raw.slice(at, headEnd).split('\r\n');
    const statusLine = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(lines[0] ?? '');
    if (statusLine === null) return result(`not a status line: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
    const status = Number(statusLine[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0 || /^[ \t]/.test(line)) return result(`bad field line: ${JSON.stringify(line.slice(0, 60))}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    at = headEnd + 4;
    if (status === 101) {
      responses.push({ status, headers, body: '', complete: true });
      return result(undefined, true);
    }
    if (status < 200) {
      interim.push([responses.length, status]);
      continue;
    }
    const method = methods[responses.length] ?? 'GET';
    if (method === 'HEAD' || status === 204 || status === 304) {
      responses.push({ status, headers, body: '', complete: true });
      continue;
    }
    if (/(^|,)\s*chunked\s*$/i.test(headers['transfer-encoding'] ?? '')) {
      const body = readChunked(raw, at);
      if (body.kind === 'garbage') return result(body.reason);
      if (body.kind === 'incomplete') {
        if (closed) responses.push({ status, headers, body: body.data, complete: false });
        return result();
      }
      responses.push({ status, headers, body: body.data, complete: true });
      at = body.end;
      continue;
    }
    const declared = headers['content-length'];
    if (declared !== undefined) {
      if (!/^\d+$/.test(declared)) return result(`bad content-length: ${declared}`);
      const length = Number(declared);
      if (raw.length - at < length) {
        if (closed) responses.push({ status, headers, body: raw.slice(at), complete: false });
        return result();
      }
      responses.push({ status, headers, body: raw.slice(at, at + length), complete: true });
      at += length;
      continue;
    }
    // Close-delimited: complete only once the connection has closed.
    if (closed) responses.push({ status, headers, body: raw.slice(at), complete: true });
    return result();
  }
  return result();
}

type ChunkedBody = { kind: 'done'; data: string; end: number } | { kind: 'incomplete'; data: string } | { kind: 'garbage'; reason: string };

function readChunked(raw: string, start: number): ChunkedBody {
  let at = start;
  let data = '';
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd === -1)
      return raw.length - at > 64 ? { kind: 'garbage', reason: 'chunk size line too long' } : { kind: 'incomplete', data };
    const sizeText = raw.slice(at, lineEnd).split(';')[0] ?? '';
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText))
      return { kind: 'garbage', reason: `bad chunk size: ${JSON.stringify(sizeText.slice(0, 20))}` };
    const size = parseInt(sizeText, 16);
    at = lineEnd + 2;
    if (size === 0) {
      // Trailer section, ended by an empty line.
      for (;;) {
        const end = raw.indexOf('\r\n', at);
        if (end === -1) return { kind: 'incomplete', data };
        if (end === at) return { kind: 'done', data, end: end + 2 };
        at = end + 2;
      }
    }
    if (raw.length < at + size + 2) {
      data += raw.slice(at, at + size);
      return { kind: 'incomplete', data };
    }
    if (raw.slice(at + size, at + size + 2) !== '\r\n') return { kind: 'garbage', reason: 'chunk data not followed by CRLF' };
    data += raw.slice(at, at + size);
    at += size + 2;
  }
}
