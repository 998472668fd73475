/**
 * What the fuzz origin does with one request, named in the request path (`/fz/<token>/<behaviour>/<size>`), so
 * the answer depends on the request alone and not on which upstream connection carried it.
 */
export const BEHAVIOURS = [
  // Well-framed answers.
  'ok',
  'chunked',
  'trailers',
  'slow',
  'drip',
  'cacheable',
  'close-delimited',
  // An interim 100 nobody asked for (RFC 9110 §15.2: a client must parse it), then the answer.
  'continue-first',
  // Extra bytes on the connection: after the response in the same write or a later one, a body longer than
  // Content-Length, bodies where none may be (HEAD, 204, 304).
  'extra-same',
  'extra-later',
  'long-body',
  'head-body',
  'status-204-body',
  'status-304-body',
  // Truncated or broken bodies.
  'short-close',
  'short-hang',
  'bad-chunk-size',
  'chunk-no-end',
  'chunk-oversize',
  'trailer-content-length',
  // No answer, or a broken head.
  'reset-before-head',
  'reset-after-head',
  'close-before-head',
  'hang',
  'bad-status',
  'huge-head',
  'obs-fold',
  // Only for upgrade requests: the origin agrees to switch protocols.
  'switch',
] as const;

export type Behaviour = (typeof BEHAVIOURS)[number];

/**
 * Behaviours after which the client must receive the complete, correct response: the ordering property
 * checks that every request in such a run of a pipeline is answered, in order, before any early error.
 */
export const CLEAN_BEHAVIOURS: ReadonlySet<Behaviour> = new Set([
  'ok',
  'chunked',
  'trailers',
  'slow',
  'drip',
  'cacheable',
  'close-delimited',
  'trailer-content-length',
]);

/**
 * Behaviours whose body never arrives whole: the client must see the message cut short (the connection closed
 * before the framing says it is over), never a complete message.
 */
export const TRUNCATED_BEHAVIOURS: ReadonlySet<Behaviour> = new Set([
  'short-close',
  'short-hang',
  'bad-chunk-size',
  'chunk-no-end',
  'chunk-oversize',
  'reset-after-head',
]);

/** Behaviours drawn for ordinary requests (`switch` is only for upgrades). */
export const REQUEST_BEHAVIOURS: readonly Behaviour[] = BEHAVIOURS.filter((b) => b !== 'switch');

export const SLOW_MS = 150;
export const DRIP_CHUNKS = 4;
export const DRIP_GAP_MS = 60;

/** The body the origin means to send for `token`: the token repeated, cut to `size` bytes (never empty of it). */
export function bodyFor(token: string, size: number): string {
  const unit = `${token};`;
  const length = Math.max(size, unit.length);
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** The body a client may receive complete for `behaviour`: what the framing the origin announced covers. */
export function expectedBody(behaviour: Behaviour, token: string, size: number): string {
  const body = bodyFor(token, size);
  return behaviour === 'long-body' ? body.slice(0, Math.floor(body.length / 2)) : body;
}

export function fuzzPath(prefix: 'fz' | 'private', token: string, behaviour: Behaviour, size: number): string {
  return `/${prefix}/${token}/${behaviour}/${size}`;
}

export interface ParsedFuzzPath {
  readonly prefix: string;
  readonly token: string;
  readonly behaviour: Behaviour;
  readonly size: number;
}

/** Reads `/fz/<token>/<behaviour>/<size>` (query ignored); undefined for any other path. */
export function parseFuzzPath(target: string): ParsedFuzzPath | undefined {
  const path = target.split('?')[0] ?? '';
  const match = /^\/(fz|private)\/([A-Za-z0-9-]+)\/([a-z0-9-]+)\/(\d+)$/.exec(path);
  if (match === null) return undefined;
  const behaviour = match[3] as Behaviour;
  if (!BEHAVIOURS.includes(behaviour)) return undefined;
  return { prefix: match[1] as string, token: match[2] as string, behaviour, size: Number(match[4]) };
}

/** The token a stray response (sent after the real one) carries: never any request's own. */
export function rogueToken(token: string): string {
  return `rogue-${token}`;
}
