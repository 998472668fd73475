import type { ConfigPath } from './issues.ts';

/** Helpers shared by the semantic rule files. */

export type Data = Record<string, unknown>;
export type Report = (path: ConfigPath, message: string) => void;

/** RFC 9110 §5.6.2 `token` (method names, field names, cookie names per RFC 6265 §4.1.1). */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Names of upstreams and auth providers. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function isRecord(value: unknown): value is Data {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The strings of a list, skipping anything else (the schema reports wrong types). */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Reports each string item of `list` that is not a method token or not upper-case (RFC 9110 §9.1). */
export function checkMethodList(list: unknown, path: ConfigPath, report: Report, describeValue: (value: unknown) => string): void {
  if (!Array.isArray(list)) return;
  list.forEach((method: unknown, i) => {
    if (typeof method !== 'string') return;
    // RFC 9110 §9.1: methods are case-sensitive; `get` is not GET, and is almost always a typo for it.
    if (!TOKEN.test(method))
      report([...path, i], `must be an HTTP method token (RFC 9110 §9.1), such as GET (got ${describeValue(method)})`);
    else if (method !== method.toUpperCase())
      report([...path, i], `must be upper-case, methods are case-sensitive (RFC 9110 §9.1), expected ${method.toUpperCase()}`);
  });
}
