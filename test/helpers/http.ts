import { Agent, request, type Dispatcher } from 'undici';

/** Field lines in order, duplicates kept (`[['accept', 'a'], ['accept', 'b']]`). */
export type FieldLines = ReadonlyArray<readonly [string, string]>;

export interface SentResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** A field's value; repeated lines joined with `, `. */
  header(name: string): string | undefined;
}

export interface SendOptions {
  readonly method?: string;
  /** A record, or field lines when order and duplicates matter. */
  readonly headers?: Readonly<Record<string, string>> | FieldLines;
  readonly body?: string | Buffer;
}

/** Each request on a connection of its own: no test sees another's keep-alive state. */
const oneShot = new Agent({ pipelining: 0, keepAliveTimeout: 10 });

/**
 * The tests' one way to make a well-formed request: over a fresh connection (undici adds no fields of its own
 * beyond Host), body read as text. Malformed requests go through `rawExchange` (raw.ts) instead.
 */
export async function send(url: string, options: SendOptions = {}): Promise<SentResponse> {
  const res = await request(url, {
    method: (options.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: toUndiciHeaders(options.headers),
    body: options.body,
    dispatcher: oneShot,
  });
  const text = await res.body.text();
  const headers = res.headers as Record<string, string | string[] | undefined>;
  return {
    status: res.statusCode,
    headers,
    text,
    header: (name) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

function toUndiciHeaders(headers: SendOptions['headers']): Record<string, string> | string[] | undefined {
  if (headers === undefined || !Array.isArray(headers)) return headers as Record<string, string> | undefined;
  const flat: string[] = [];
  for (const [name, value] of headers as FieldLines) flat.push(name, value);
  return flat;
}
