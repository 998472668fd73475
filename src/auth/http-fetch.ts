import { request, type Dispatcher } from 'undici';

export interface BoundedFetchOptions {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Whole exchange: connect, head and body. */
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly dispatcher: Dispatcher;
  /** Aborts the exchange when the authenticator closes. */
  readonly signal: AbortSignal;
}

export interface BoundedFetchResult {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/**
 * Fetches a small document (JWKS, introspection response). Throws on network failure, timeout
 * or an oversized body; redirects are not followed. Callers map any throw to "unavailable".
 */
export async function fetchBounded(url: string, options: BoundedFetchOptions): Promise<BoundedFetchResult> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  const response = await request(url, {
    method: options.method,
    headers: options.headers,
    body: options.body ?? null,
    signal,
    dispatcher: options.dispatcher,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const declaredLength = Number(response.headers['content-length']);
  if (Number.isFinite(declaredLength) && declaredLength > options.maxBytes) {
    response.body.destroy();
    throw new Error(`response larger than ${options.maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let receivedBytes = 0;
  for await (const chunk of response.body) {
    const buffer = chunk as Buffer;
    receivedBytes += buffer.length;
    if (receivedBytes > options.maxBytes) {
      response.body.destroy();
      throw new Error(`response larger than ${options.maxBytes} bytes`);
    }
    chunks.push(buffer);
  }
  const contentType = response.headers['content-type'];
  return {
    status: response.statusCode,
    contentType: typeof contentType === 'string' ? contentType : undefined,
    body: Buffer.concat(chunks, receivedBytes),
  };
}
