import { strongETag } from '../../src/origin/index.ts';

/** The virus-definitions file one origin process serves, generated once and kept in memory. */
export interface Definitions {
  readonly body: Buffer;
  /** Strong ETag from the content hash: identical on every instance, so 304s work behind a load balancer. */
  readonly etag: string;
}

export const DEFAULT_DEFINITIONS_BYTES = 50 * 1024 * 1024;
const LINE_BYTES = 64;
const HEX = '0123456789abcdef';

/**
 * Generates `bytes` of deterministic signature lines (`SIG 00000001 <50 hex digits>\n`, 64 bytes
 * each, the last one cut at the size). Same size, same bytes, on every run and machine.
 */
export function generateDefinitions(bytes: number): Definitions {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`definitions size must be a whole number of bytes, got ${bytes}`);
  const body = Buffer.allocUnsafe(bytes);
  const line = Buffer.alloc(LINE_BYTES);
  line.write('SIG ', 0, 'latin1');
  line[12] = 0x20;
  line[LINE_BYTES - 1] = 0x0a;
  let state = 0x9e3779b9;
  for (let offset = 0, index = 1; offset < bytes; offset += LINE_BYTES, index++) {
    line.write(String(index % 100_000_000).padStart(8, '0'), 4, 'latin1');
    for (let at = 13; at < LINE_BYTES - 1; at++) {
      // xorshift32: cheap, deterministic filler.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      line[at] = HEX.charCodeAt(state & 15);
    }
    line.copy(body, offset, 0, Math.min(LINE_BYTES, bytes - offset));
  }
  return { body, etag: strongETag(body) };
}
