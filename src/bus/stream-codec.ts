import type { BusMessage } from './types.ts';

/**
 * Stream entries of the Redis bus: `from <member id> [msg <JSON message>]`. An entry without `msg` is an
 * anchor, written so the stream exists and every reader's position names a real entry (see redis-bus.ts).
 */
export interface StreamEntry {
  readonly id: string;
  readonly from: string;
  /** Undefined for an anchor or for anything this version cannot read. */
  readonly message: BusMessage | undefined;
}

const KINDS: ReadonlySet<string> = new Set(['purge', 'invalidate', 'revoke', 'unrevoke']);

/** The field list of an XADD for `message` published by `from` (an anchor without `message`). */
export function encodeEntryFields(from: string, message?: BusMessage): string[] {
  return message === undefined ? ['from', from] : ['from', from, 'msg', JSON.stringify(message)];
}

/**
 * The entries of an XREAD or XRANGE reply. ioredis hands XREAD back as `[[key, entries]]` (RESP2) or, through a
 * raw call on RESP3, as `[key, entries]`; both are accepted.
 */
export function decodeReadReply(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const streams = typeof reply[0] === 'string' ? [reply] : reply;
  const entries: StreamEntry[] = [];
  for (const stream of streams) {
    if (Array.isArray(stream) && Array.isArray(stream[1])) entries.push(...decodeEntries(stream[1]));
  }
  return entries;
}

/** `[[id, [field, value, ...]], ...]` as XRANGE answers it. */
export function decodeEntries(raw: readonly unknown[]): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || !Array.isArray(item[1])) continue;
    const fields = item[1] as unknown[];
    let from = '';
    let msg: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'from') from = String(fields[i + 1]);
      else if (fields[i] === 'msg') msg = String(fields[i + 1]);
    }
    entries.push({ id: item[0], from, message: msg === undefined ? undefined : parseMessage(msg) });
  }
  return entries;
}

function parseMessage(value: string): BusMessage | undefined {
  try {
    const parsed = JSON.parse(value) as { kind?: unknown };
    return parsed !== null && typeof parsed === 'object' && typeof parsed.kind === 'string' && KINDS.has(parsed.kind)
      ? (parsed as BusMessage)
      : undefined;
  } catch {
    return undefined;
  }
}
