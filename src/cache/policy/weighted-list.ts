import type { HeaderValue } from './headers.ts';
import { isTchar, joinFieldLines, splitList } from './headers.ts';

/** RFC 9110 §12.4.2: `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

interface Member {
  /** The value and its parameters other than q, normalised. */
  readonly text: string;
  readonly weight: number;
}

/**
 * The canonical form of a weighted list request field (`Accept`, `Accept-Encoding`, `Accept-Language`; RFC 9110
 * §12.5), so that requests stating the same preferences select the same stored response (RFC 9111 §4.1 allows
 * normalising to a form that means the same): values and parameter names lower-cased (RFC 9110 §8.3.1,
 * §8.4.1, RFC 4647 §2: case-insensitive), whitespace dropped, `q` read as a number (`q=1`, the default, left
 * out; RFC 9110 §12.4.2), a token-safe quoted parameter value unquoted (§5.6.6), and members sorted by
 * descending weight, then by text: the order carries no meaning beyond the weights (§12.5.4 notes that an
 * order among equal weights "cannot be relied upon"). Undefined when a member does not parse (an invalid
 * qvalue, say): the caller then compares the value as sent.
 *
 * @example normalizeWeightedList('GZIP, br;q=1.0 , deflate;q=0.50') // 'br, gzip, deflate;q=0.5'
 */
export function normalizeWeightedList(value: HeaderValue): string | undefined {
  const joined = joinFieldLines(value) ?? '';
  if (isLowerCaseToken(joined)) return joined;
  const members: Member[] = [];
  for (const member of splitList(joined)) {
    const parsed = normalizeMember(member);
    if (parsed === undefined) return undefined;
    members.push(parsed);
  }
  members.sort(byPreference);
  let out = '';
  for (let i = 0; i < members.length; i++) {
    const member = members[i] as Member;
    if (i > 0) out += ', ';
    out += member.weight === 1 ? member.text : `${member.text};q=${member.weight}`;
  }
  return out;
}

function normalizeMember(member: string): Member | undefined {
  // RFC 9110 §5.6.6: parameters follow `;` with OWS around it; a quoted `;` does not split.
  const parts = splitList(member, 0x3b);
  const range = parts[0] ?? '';
  if (!isRange(range)) return undefined;
  let text = range.toLowerCase();
  let weight = 1;
  for (let i = 1; i < parts.length; i++) {
    const parameter = parts[i] as string;
    const equals = parameter.indexOf('=');
    if (equals <= 0) return undefined;
    const name = parameter.slice(0, equals).trimEnd().toLowerCase();
    const argument = unquoteIfToken(parameter.slice(equals + 1).trimStart());
    if (name === 'q') {
      if (!QVALUE.test(argument)) return undefined;
      weight = Number(argument);
    } else {
      text += `;${name}=${argument}`;
    }
  }
  return { text, weight };
}

function byPreference(a: Member, b: Member): number {
  if (a.weight !== b.weight) return b.weight - a.weight;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

/** `"x"` → `x` when the content is a token without quoted-pairs (RFC 9110 §5.6.6: both forms mean the same). */
function unquoteIfToken(argument: string): string {
  if (argument.length < 3 || argument.charCodeAt(0) !== 0x22 || argument.charCodeAt(argument.length - 1) !== 0x22) return argument;
  const inner = argument.slice(1, -1);
  for (let i = 0; i < inner.length; i++) {
    if (!isTchar(inner.charCodeAt(i))) return argument;
  }
  return inner;
}

/** A coding, language range or media range: tchar and `/` (media ranges, `*` included), non-empty. */
function isRange(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 0x2f && !isTchar(c)) return false;
  }
  return true;
}

/** Already canonical: one member without parameters, whitespace or upper-case letters (e.g. `gzip`, `*\/*`). */
function isLowerCaseToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c !== 0x2f && !isTchar(c)) || (c >= 0x41 && c <= 0x5a)) return false;
  }
  return true;
}
