import { isToken, splitList } from './headers.ts';

/**
 * Response cache directives (RFC 9111 §5.2.2, RFC 5861, RFC 8246, RFC 9111 §5.2.2.3 must-understand),
 * as read by a shared cache. Absent numeric directives are `undefined`.
 */
export interface ResponseDirectives {
  readonly maxAge?: number;
  readonly sMaxAge?: number;
  /** Unqualified `no-cache` (§5.2.2.4). */
  readonly noCache: boolean;
  /** Lower-case field names of a qualified `no-cache="..."`. */
  readonly noCacheFields: readonly string[];
  readonly noStore: boolean;
  /** Unqualified `private` (§5.2.2.7). */
  readonly private: boolean;
  /** Lower-case field names of a qualified `private="..."`. */
  readonly privateFields: readonly string[];
  readonly public: boolean;
  readonly mustRevalidate: boolean;
  readonly proxyRevalidate: boolean;
  readonly mustUnderstand: boolean;
  readonly immutable: boolean;
  readonly noTransform: boolean;
  readonly staleWhileRevalidate?: number;
  readonly staleIfError?: number;
  /** Read from an RFC 9213 targeted field: Cache-Control and Expires are then ignored (RFC 9213 §2.1). */
  readonly targeted: boolean;
}

/** Request cache directives (RFC 9111 §5.2.1, RFC 5861 §4). */
export interface RequestDirectives {
  readonly maxAge?: number;
  /** `Infinity` when bare (§5.2.1.2). */
  readonly maxStale?: number;
  readonly minFresh?: number;
  readonly noCache: boolean;
  readonly noStore: boolean;
  readonly onlyIfCached: boolean;
  readonly staleIfError?: number;
}

/**
 * A directive's argument as the syntax parsers hand it over: the (unquoted) text, `true` when bare
 * (or an sf-boolean true), `false` for an explicit sf-boolean false, `null` when malformed.
 */
export type DirectiveArgument = string | boolean | null;

type Draft<T> = { -readonly [K in keyof T]: T[K] };
export type ResponseDirectivesDraft = Draft<ResponseDirectives>;
export type RequestDirectivesDraft = Draft<RequestDirectives>;

/** RFC 9111 §1.2.2: delta-seconds overflow is read as 2^31. */
export const MAX_DELTA_SECONDS = 2147483648;

const NO_FIELDS: readonly string[] = Object.freeze([]);

/** No response directives at all (a response without Cache-Control). */
export const EMPTY_RESPONSE_DIRECTIVES: ResponseDirectives = Object.freeze(createResponseDraft(false));

/** No request directives: shared by every request without Cache-Control or Pragma. */
export const EMPTY_REQUEST_DIRECTIVES: RequestDirectives = Object.freeze(createRequestDraft());

/** A mutable directive set with nothing applied yet, for the syntax parsers. */
export function createResponseDraft(targeted: boolean): ResponseDirectivesDraft {
  return {
    maxAge: undefined,
    sMaxAge: undefined,
    noCache: false,
    noCacheFields: NO_FIELDS,
    noStore: false,
    private: false,
    privateFields: NO_FIELDS,
    public: false,
    mustRevalidate: false,
    proxyRevalidate: false,
    mustUnderstand: false,
    immutable: false,
    noTransform: false,
    staleWhileRevalidate: undefined,
    staleIfError: undefined,
    targeted,
  };
}

/** A mutable request directive set with nothing applied yet. */
export function createRequestDraft(): RequestDirectivesDraft {
  return {
    maxAge: undefined,
    maxStale: undefined,
    minFresh: undefined,
    noCache: false,
    noStore: false,
    onlyIfCached: false,
    staleIfError: undefined,
  };
}

/** RFC 9111 §1.2.2 delta-seconds (`1*DIGIT`), clamped to 2^31; undefined when not one. */
export function parseDeltaSeconds(text: string): number | undefined {
  if (text.length === 0) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const value = Number(text);
  return Math.min(value, MAX_DELTA_SECONDS);
}

/**
 * Applies one response directive. Precedence rules (RFC 9111 §4.2.1): the first occurrence of a valued
 * directive wins; an invalid max-age or s-maxage reads as 0 (stale) so bad freshness information never
 * makes a response fresher; an invalid stale-while-revalidate / stale-if-error is ignored. Restrictive
 * directives count even with a stray argument; permissive ones (public, must-understand, immutable) only
 * in their bare form. Unknown directives are ignored (§5.2.3).
 */
export function applyResponseDirective(draft: ResponseDirectivesDraft, name: string, arg: DirectiveArgument): void {
  switch (name) {
    case 'max-age':
      if (draft.maxAge === undefined) draft.maxAge = readSecondsOrZero(arg);
      return;
    case 's-maxage':
      if (draft.sMaxAge === undefined) draft.sMaxAge = readSecondsOrZero(arg);
      return;
    case 'stale-while-revalidate':
      if (draft.staleWhileRevalidate === undefined && typeof arg === 'string') draft.staleWhileRevalidate = parseDeltaSeconds(arg);
      return;
    case 'stale-if-error':
      if (draft.staleIfError === undefined && typeof arg === 'string') draft.staleIfError = parseDeltaSeconds(arg);
      return;
    case 'no-cache': {
      if (arg === false) return;
      const fields = typeof arg === 'string' ? parseFieldNames(arg) : NO_FIELDS;
      if (fields.length === 0) draft.noCache = true;
      else draft.noCacheFields = draft.noCacheFields.concat(fields);
      return;
    }
    case 'private': {
      if (arg === false) return;
      const fields = typeof arg === 'string' ? parseFieldNames(arg) : NO_FIELDS;
      if (fields.length === 0) draft.private = true;
      else draft.privateFields = draft.privateFields.concat(fields);
      return;
    }
    case 'no-store':
      if (arg !== false) draft.noStore = true;
      return;
    case 'must-revalidate':
      if (arg !== false) draft.mustRevalidate = true;
      return;
    case 'proxy-revalidate':
      if (arg !== false) draft.proxyRevalidate = true;
      return;
    case 'no-transform':
      if (arg !== false) draft.noTransform = true;
      return;
    case 'public':
      if (arg === true) draft.public = true;
      return;
    case 'must-understand':
      if (arg === true) draft.mustUnderstand = true;
      return;
    case 'immutable':
      if (arg === true) draft.immutable = true;
      return;
  }
}

/**
 * Applies one request directive (RFC 9111 §5.2.1, RFC 5861 §4). Invalid delta-seconds make the directive
 * absent; bare `max-stale` accepts any staleness.
 */
export function applyRequestDirective(draft: RequestDirectivesDraft, name: string, arg: DirectiveArgument): void {
  switch (name) {
    case 'max-age':
      if (draft.maxAge === undefined && typeof arg === 'string') draft.maxAge = parseDeltaSeconds(arg);
      return;
    case 'max-stale':
      if (draft.maxStale !== undefined) return;
      if (arg === true) draft.maxStale = Infinity;
      else if (typeof arg === 'string') draft.maxStale = parseDeltaSeconds(arg);
      return;
    case 'min-fresh':
      if (draft.minFresh === undefined && typeof arg === 'string') draft.minFresh = parseDeltaSeconds(arg);
      return;
    case 'stale-if-error':
      if (draft.staleIfError === undefined && typeof arg === 'string') draft.staleIfError = parseDeltaSeconds(arg);
      return;
    case 'no-cache':
      if (arg !== false) draft.noCache = true;
      return;
    case 'no-store':
      if (arg !== false) draft.noStore = true;
      return;
    case 'only-if-cached':
      if (arg !== false) draft.onlyIfCached = true;
      return;
  }
}

function readSecondsOrZero(arg: DirectiveArgument): number {
  return (typeof arg === 'string' ? parseDeltaSeconds(arg) : undefined) ?? 0;
}

/** `#field-name` (RFC 9111 §5.2.2.4, §5.2.2.7): lower-cased; members that are not tokens are dropped. */
function parseFieldNames(list: string): readonly string[] {
  const names: string[] = [];
  for (const member of splitList(list)) {
    if (isToken(member)) names.push(member.toLowerCase());
  }
  return names;
}
