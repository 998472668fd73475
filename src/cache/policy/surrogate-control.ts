import type { HeaderValue } from './headers.ts';
import { joinFieldLines, splitList } from './headers.ts';
import type { ResponseDirectives, ResponseDirectivesDraft } from './directives.ts';
import { applyResponseDirective, createResponseDraft, parseDeltaSeconds } from './directives.ts';

/**
 * Reads Surrogate-Control (W3C Edge Architecture Specification 1.0) for the surrogate named `deviceToken`:
 * `1#( directive [ ";" device-token ] )`. A directive with a device token applies only to that surrogate
 * (compared case-insensitively); when some address this cache, they are its directives and the untargeted
 * ones (meant for every other surrogate) are set aside.
 * Understood: `max-age=N` and its `max-age=N+M` form (M: seconds a stale response may still answer when the
 * origin cannot, read as stale-if-error), `no-store`, and the RFC 5861 `stale-while-revalidate` /
 * `stale-if-error` extensions surrogates commonly honour. `no-store-remote` addresses surrogates far from the
 * origin and `content` names processing (ESI): both are ignored, as are unknown directives.
 *
 * Answers undefined unless `max-age` or `no-store` applies, so a field carrying only `content="ESI/1.0"` leaves
 * Cache-Control in charge.
 *
 * @example parseSurrogateDirectives('max-age=60+300, no-store;other', 'cachet') // { maxAge: 60, staleIfError: 300, noStore: false, ... }
 * @example parseSurrogateDirectives('no-store, max-age=600;cachet', 'cachet') // { maxAge: 600, noStore: false, ... }
 */
export function parseSurrogateDirectives(value: HeaderValue, deviceToken: string): ResponseDirectives | undefined {
  const joined = joinFieldLines(value);
  if (joined === undefined) return undefined;
  const token = deviceToken.toLowerCase();
  const ours: string[] = [];
  const everyone: string[] = [];
  for (const member of splitList(joined)) {
    const semicolon = member.indexOf(';');
    if (semicolon < 0) everyone.push(member);
    else if (
      member
        .slice(semicolon + 1)
        .trim()
        .toLowerCase() === token
    )
      ours.push(member.slice(0, semicolon));
  }
  const draft = createResponseDraft(true);
  let decisive = false;
  for (const directive of ours.length > 0 ? ours : everyone) decisive = applySurrogateDirective(draft, directive) || decisive;
  return decisive ? draft : undefined;
}

/** Applies one directive; true when it was `max-age` or `no-store` (the ones that decide storing and freshness). */
function applySurrogateDirective(draft: ResponseDirectivesDraft, directive: string): boolean {
  const equals = directive.indexOf('=');
  const name = (equals < 0 ? directive : directive.slice(0, equals)).trim().toLowerCase();
  const arg = equals < 0 ? true : directive.slice(equals + 1).trim();
  switch (name) {
    case 'max-age': {
      if (draft.maxAge !== undefined) return true;
      const plus = typeof arg === 'string' ? arg.indexOf('+') : -1;
      if (typeof arg !== 'string' || plus < 0) {
        applyResponseDirective(draft, name, arg);
        return true;
      }
      applyResponseDirective(draft, name, arg.slice(0, plus));
      const staleSec = parseDeltaSeconds(arg.slice(plus + 1));
      if (staleSec !== undefined && draft.staleIfError === undefined) draft.staleIfError = staleSec;
      return true;
    }
    case 'no-store':
      applyResponseDirective(draft, name, arg);
      return true;
    case 'stale-while-revalidate':
    case 'stale-if-error':
      applyResponseDirective(draft, name, arg);
      return false;
    default:
      return false;
  }
}
