import type { HeaderValue } from './headers.ts';
import { joinFieldLines } from './headers.ts';
import type { DirectiveArgument, ResponseDirectives } from './directives.ts';
import { applyResponseDirective, createResponseDraft } from './directives.ts';
import type { SfValue } from './structured-field.ts';
import { parseSfDictionary } from './structured-field.ts';

const SECONDS_DIRECTIVES: ReadonlySet<string> = new Set(['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error']);
const FIELD_LIST_DIRECTIVES: ReadonlySet<string> = new Set(['no-cache', 'private']);

/**
 * Reads an RFC 9213 targeted cache field (e.g. CDN-Cache-Control). It is a Dictionary (RFC 9213 §2.1):
 * delta-seconds are sf-integers, field-name lists sf-strings, bare directives sf-boolean true. Answers
 * undefined when the field is empty or not a valid Dictionary, so the caller falls back to Cache-Control
 * (RFC 9213 §2.1: "that field SHOULD be ignored"). A directive whose value has the wrong type is read as
 * malformed (an invalid max-age is stale; see `applyResponseDirective`).
 *
 * @example parseTargetedDirectives('max-age=600, must-revalidate') // { maxAge: 600, mustRevalidate: true, targeted: true, ... }
 */
export function parseTargetedDirectives(value: HeaderValue): ResponseDirectives | undefined {
  const joined = joinFieldLines(value);
  if (joined === undefined) return undefined;
  const members = parseSfDictionary(joined);
  if (members === undefined || members.size === 0) return undefined;
  const draft = createResponseDraft(true);
  for (const [name, member] of members) applyResponseDirective(draft, name, toArgument(name, member));
  return draft;
}

function toArgument(name: string, member: SfValue): DirectiveArgument {
  if (SECONDS_DIRECTIVES.has(name)) return member.type === 'integer' && member.value >= 0 ? String(member.value) : null;
  if (member.type === 'boolean') return member.value;
  if (FIELD_LIST_DIRECTIVES.has(name) && member.type === 'string') return member.value;
  return null;
}
