import { isToken } from './headers.ts';

/** RFC 9211 §2 parameters of one Cache-Status list member. */
export interface CacheStatusInfo {
  /** Answered from cache without going forward (§2.1). */
  readonly hit: boolean;
  /** Why the request went forward (§2.2). */
  readonly fwd?: 'bypass' | 'method' | 'uri-miss' | 'vary-miss' | 'miss' | 'request' | 'stale' | 'partial';
  /** Status of the forward response (§2.3). */
  readonly fwdStatus?: number;
  /** Remaining freshness in seconds, negative when stale (§2.4); rounded down. */
  readonly ttlSec?: number;
  /** The forward response was stored (§2.5). */
  readonly stored?: boolean;
  /** The request was collapsed with another (§2.6). */
  readonly collapsed?: boolean;
  /** Free-form detail (§2.8), sent as an sf-token when it is one, else as an sf-string. */
  readonly detail?: string;
}

/** Why a request went forward (§2.2). */
export type ForwardReason = NonNullable<CacheStatusInfo['fwd']>;

/**
 * The Cache-Status member of an answer relayed without storing it: `fwd-status` from the upstream's status, or,
 * when the upstream failed, the failure's kind as the detail (unless a detail is given).
 */
export function formatForwardStatus(cacheName: string, fwd: ForwardReason, answer: number | string, detail?: string): string {
  if (typeof answer === 'string') return formatCacheStatus(cacheName, { hit: false, fwd, detail: detail ?? answer });
  return formatCacheStatus(
    cacheName,
    detail === undefined ? { hit: false, fwd, fwdStatus: answer } : { hit: false, fwd, fwdStatus: answer, detail },
  );
}

/** Largest magnitude of an sf-integer (RFC 9651 §3.3.1). */
const MAX_SF_INTEGER = 999_999_999_999_999;

/**
 * Serialises one Cache-Status member (RFC 9211 §2): the cache name, then hit, fwd, fwd-status, ttl,
 * stored, collapsed and detail parameters, in that order; false booleans are left out.
 *
 * @example formatCacheStatus('cachet', { hit: false, fwd: 'uri-miss', fwdStatus: 200, stored: true }) // 'cachet; fwd=uri-miss; fwd-status=200; stored'
 */
export function formatCacheStatus(cacheName: string, info: CacheStatusInfo): string {
  let out = serializeName(cacheName);
  if (info.hit) out += '; hit';
  if (info.fwd !== undefined) out += `; fwd=${info.fwd}`;
  if (info.fwdStatus !== undefined) out += `; fwd-status=${formatSfInteger(info.fwdStatus)}`;
  if (info.ttlSec !== undefined) out += `; ttl=${formatSfInteger(info.ttlSec)}`;
  if (info.stored === true) out += '; stored';
  if (info.collapsed === true) out += '; collapsed';
  if (info.detail !== undefined) out += `; detail=${serializeDetail(info.detail)}`;
  return out;
}

let lastName = '';
let lastSerialized = '';

/** The cache name as an sf-token or sf-string; one gateway has one name, so the last one is remembered. */
function serializeName(name: string): string {
  if (name !== lastName) {
    lastSerialized = isSfToken(name) ? name : formatSfString(name);
    lastName = name;
  }
  return lastSerialized;
}

/** Details are a handful of fixed words (reasons, failure kinds): serialised once each. */
const details = new Map<string, string>();

function serializeDetail(detail: string): string {
  let serialized = details.get(detail);
  if (serialized === undefined) {
    serialized = isSfToken(detail) ? detail : formatSfString(detail);
    if (details.size < 256) details.set(detail, serialized);
  }
  return serialized;
}

/** RFC 9651 §3.3.4 sf-token: `( ALPHA / "*" ) *( tchar / ":" / "/" )`. */
function isSfToken(value: string): boolean {
  if (value.length === 0) return false;
  const first = value.charCodeAt(0);
  const isAlpha = (first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a);
  if (!isAlpha && first !== 0x2a) return false;
  return isToken(value.replaceAll(':', 'a').replaceAll('/', 'a'));
}

/** RFC 9651 §4.1.6: printable ASCII only; `"` and `\` escaped; anything else replaced by "?". */
function formatSfString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += `\\${value[i] as string}`;
    else if (c < 0x20 || c > 0x7e) out += '?';
    else out += value[i] as string;
  }
  return `${out}"`;
}

function formatSfInteger(value: number): string {
  const integer = Math.floor(value);
  if (!Number.isFinite(integer)) return integer > 0 ? String(MAX_SF_INTEGER) : String(-MAX_SF_INTEGER);
  return String(Math.max(-MAX_SF_INTEGER, Math.min(MAX_SF_INTEGER, integer)) || 0);
}

/** `Cache-Status` of a fresh hit with its remaining freshness in whole seconds (§2.1, §2.4). */
export type HitStatus = (ttlSec: number) => string;

/**
 * The fresh-hit `Cache-Status` of cache `cacheName`. The text for the last ttl is kept: hits with the same
 * whole seconds left (most hits on a hot entry, within a second) share it and build no string of their own.
 *
 * @example createHitStatus('cachet')(3599.4) // 'cachet; hit; ttl=3599'
 */
export function createHitStatus(cacheName: string): HitStatus {
  const prefix = `${formatCacheStatus(cacheName, { hit: true })}; ttl=`;
  let lastTtl = Number.NaN;
  let last = '';
  return (ttlSec) => {
    const ttl = Math.floor(ttlSec);
    if (ttl !== lastTtl) {
      lastTtl = ttl;
      last = prefix + formatSfInteger(ttl);
    }
    return last;
  };
}
