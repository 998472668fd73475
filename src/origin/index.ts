/**
 * `cachet/origin`: small, dependency-free helpers for the servers behind cachet (or any HTTP cache):
 * ETags, conditional requests (RFC 9110 §13), Cache-Control, Surrogate-Key / Cache-Tag, tag purges.
 * See docs/origin.md.
 */
export type { ParsedETag, ParsedETagList } from './etag.ts';
export { strongETag, weakETag, parseETag, parseETagList, isStrongMatch, isWeakMatch } from './etag.ts';
export type { RepresentationState, Precondition, RequestHeaders } from './conditional.ts';
export { evaluatePreconditions, requireIfMatch } from './conditional.ts';
export type { CacheControlOptions } from './cache-control.ts';
export { cacheControl } from './cache-control.ts';
export type { TagInput, PurgeTagsOptions } from './surrogate-keys.ts';
export { surrogateKeys, cacheTag, purgeTags } from './surrogate-keys.ts';
export type { ResponseLike } from './respond.ts';
export { sendNotModified, sendPreconditionFailed, sendPreconditionRequired } from './respond.ts';
