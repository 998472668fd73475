import { randomFillSync } from 'node:crypto';

/**
 * W3C Trace Context Level 1 (https://www.w3.org/TR/trace-context-1/). The gateway is one hop of the
 * trace: it keeps the caller's trace-id and flags and sends its own span id as the new parent-id.
 */

/** The fields of a parsed `traceparent` (§3.2.2), lower-case hex. */
export interface Traceparent {
  readonly version: string;
  readonly traceId: string;
  readonly parentId: string;
  readonly flags: string;
}

/** What the gateway sends upstream. */
export interface PropagatedTrace {
  readonly traceparent: string;
  /** The caller's `tracestate`, unchanged; absent when the trace was restarted. */
  readonly tracestate?: string;
}

/** Flags of a trace the gateway starts: not sampled, because the gateway records no spans (§3.2.2.5). */
export const NEW_TRACE_FLAGS = '00';

const VERSION_00_LENGTH = 55;
const INVALID_ID = /^0+$/;
const HEX_LC = /^[0-9a-f]+$/;

/**
 * Parses a `traceparent` value; undefined when it is invalid.
 *
 * - §3.2.2.1: version is two lower-case hex digits, `ff` is invalid.
 * - §3.2.2.3 / §3.2.2.4: trace-id (32 hex) and parent-id (16 hex) are lower-case and not all zeros.
 * - §3.2.2.5: trace-flags are two lower-case hex digits.
 * - Version 00 is exactly 55 characters. A higher version is parsed by the version 00 layout as long as it
 *   is at least 55 characters and anything after the flags starts with a dash; fields it may add are
 *   ignored (§3.2.4 "Versioning of traceparent").
 */
export function parseTraceparent(value: string): Traceparent | undefined {
  if (value.length < VERSION_00_LENGTH) return undefined;
  const version = value.slice(0, 2);
  if (!isLowerHex(version) || version === 'ff') return undefined;
  if (version === '00' ? value.length !== VERSION_00_LENGTH : value.length > VERSION_00_LENGTH && value[VERSION_00_LENGTH] !== '-') {
    return undefined;
  }
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!isLowerHex(traceId) || INVALID_ID.test(traceId)) return undefined;
  if (!isLowerHex(parentId) || INVALID_ID.test(parentId)) return undefined;
  if (!isLowerHex(flags)) return undefined;
  return { version, traceId, parentId, flags };
}

/**
 * The trace headers to send upstream. A valid incoming `traceparent` keeps its trace-id and flags and
 * gets a new parent-id (the gateway's span), sent as version 00, the version this gateway implements
 * (§4.3 "Mutating the traceparent field"). Otherwise a new trace starts with random ids and flags `00`,
 * and `tracestate` is dropped: it belongs to the discarded trace (§4.1). Repeated `traceparent` fields
 * are invalid; repeated `tracestate` fields are one list and are joined with commas (§3.3).
 */
export function propagateTraceparent(traceparent: string | string[] | undefined, tracestate?: string | string[]): PropagatedTrace {
  const parsed = typeof traceparent === 'string' ? parseTraceparent(traceparent) : undefined;
  if (parsed === undefined) {
    return { traceparent: formatTraceparent(generateId(16), generateId(8), NEW_TRACE_FLAGS) };
  }
  const next = formatTraceparent(parsed.traceId, generateId(8), parsed.flags);
  const state = Array.isArray(tracestate) ? tracestate.join(',') : tracestate;
  return state === undefined || state === '' ? { traceparent: next } : { traceparent: next, tracestate: state };
}

/** A version 00 `traceparent`. */
function formatTraceparent(traceId: string, parentId: string, flags: string): string {
  return `00-${traceId}-${parentId}-${flags}`;
}

function isLowerHex(value: string): boolean {
  return HEX_LC.test(value);
}

// Ids come from a refilled entropy pool: one randomFillSync per 512 ids instead of one per request.
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `byteLength` random bytes as lower-case hex, never all zeros (§3.2.2.3, §3.2.2.4). */
function generateId(byteLength: number): string {
  for (;;) {
    if (poolOffset + byteLength > POOL_BYTES) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const id = pool.toString('hex', poolOffset, poolOffset + byteLength);
    poolOffset += byteLength;
    if (!INVALID_ID.test(id)) return id;
  }
}
