import type { ErrorObject } from 'ajv';
import { UNIT_FORMATS } from './schema.ts';

/** A location in the config: `routes[0].upstream` is `['routes', 0, 'upstream']`. */
export type ConfigPath = ReadonlyArray<string | number>;

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;
/** One problem with a config: where, and what is wrong there (`must be …, expected …`). */
export interface ConfigIssue {
  readonly path: ConfigPath;
  readonly message: string;
}

/** Keys whose values are never echoed back in messages. */
const SECRET_KEYS = new Set(['token', 'metricsToken', 'secret', 'publicKey', 'clientSecret']);

/** Renders a path the way users read it: `upstreams.api.targets[1]`, `upstreams["a b"].retries`. */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text === '' ? '(top level)' : text;
}

/** Describes a value for a `(got …)` note without leaking secrets or flooding the terminal. */
export function describeValue(value: unknown, path: ConfigPath = []): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string' && SECRET_KEYS.has(String(path.at(-1)))) return `a string of ${value.length} characters`;
  const text = JSON.stringify(typeof value === 'string' ? redactUrlPassword(value) : value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `<path>: <what is wrong>, expected <what>`. */
export function formatIssue(issue: ConfigIssue): string {
  return `${formatPath(issue.path)}: ${issue.message}`;
}

/**
 * Orders issues as the keys appear in the config (object keys keep their YAML order), so the list reads
 * top to bottom like the file; a missing key sorts with its parent.
 */
export function sortIssues(issues: readonly ConfigIssue[], data: unknown): ConfigIssue[] {
  const order = new Map<string, number>();
  const visit = (node: unknown, path: ConfigPath): void => {
    order.set(formatPath(path), order.size);
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) visit(child, [...path, Array.isArray(node) ? Number(key) : key]);
  };
  visit(data, []);
  const rank = (path: ConfigPath): number => {
    for (let length = path.length; length >= 0; length--) {
      const found = order.get(formatPath(path.slice(0, length)));
      if (found !== undefined) return found;
    }
    return 0;
  };
  return issues
    .map((issue, index) => ({ issue, index, rank: rank(issue.path) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ issue }) => issue);
}

/** Turns ajv's errors into issues, one per problem (ajv's wrapper errors dropped). */
export function collectSchemaIssues(errors: readonly ErrorObject[], data: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const error of errors) {
    const issue = toIssue(error, data);
    if (issue !== undefined) issues.push(issue);
  }
  return issues;
}

function toIssue(error: ErrorObject, data: unknown): ConfigIssue | undefined {
  const path = toConfigPath(error.instancePath, data);
  const value: unknown = error.data;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const description = typeof parent['description'] === 'string' ? parent['description'] : undefined;
  const got = describeValue(value, path);
  const params = error.params as Record<string, unknown>;
  const at = (p: ConfigPath, message: string): ConfigIssue => ({ path: p, message });

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const known = Object.keys((parent['properties'] ?? {}) as object);
      return at([...path, key], `unknown key, expected one of ${known.join(', ')}`);
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String).join(', ');
      if (error.propertyName !== undefined) {
        const kind = description ?? `this ${path.join('.')} type`;
        return at([...path, error.propertyName], `unknown key for ${kind}, expected one of ${allowed}`);
      }
      return at(path, `must be one of ${allowed} (got ${got})`);
    }
    case 'required': {
      const key = String(params['missingProperty']);
      const properties = (parent['properties'] ?? {}) as Record<string, { description?: unknown }>;
      const expected = properties[key]?.description;
      return at([...path, key], `is required${typeof expected === 'string' ? `, expected ${expected}` : ''}`);
    }
    case 'type':
      return at(path, `must be ${describeExpectedType(String(params['type']), parent)} (got ${got})`);
    case 'format': {
      const format = String(params['format']);
      const expected =
        format in UNIT_FORMATS ? UNIT_FORMATS[format as keyof typeof UNIT_FORMATS] : format === 'uri' ? 'an absolute URL' : `a ${format}`;
      return at(path, `must be ${expected} (got ${got})`);
    }
    case 'minimum':
    case 'maximum':
      return typeof parent['minimum'] === 'number' && typeof parent['maximum'] === 'number'
        ? at(path, `must be between ${parent['minimum']} and ${parent['maximum']} (got ${got})`)
        : at(path, `must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params['limit'])} (got ${got})`);
    case 'minLength': {
      const limit = Number(params['limit']);
      if (limit <= 1) return at(path, `must not be empty${description === undefined ? '' : `, expected ${description}`}`);
      return at(path, `must be at least ${limit} characters long (got ${typeof value === 'string' ? value.length : 0})`);
    }
    case 'minItems':
    case 'minProperties':
      return at(path, `must not be empty, expected ${description ?? `at least ${String(params['limit'])} item(s)`}`);
    case 'uniqueItems':
      return at(
        path,
        `must not repeat items (items ${Math.min(Number(params['i']), Number(params['j']))} and ${Math.max(Number(params['i']), Number(params['j']))} are equal)`,
      );
    // Wrappers whose causes are reported on their own.
    case 'if':
    case 'propertyNames':
      return undefined;
    default:
      return at(path, error.message ?? 'is invalid');
  }
}

function describeExpectedType(type: string, parent: Record<string, unknown>): string {
  const format = parent['format'];
  if (typeof format === 'string' && format in UNIT_FORMATS) return UNIT_FORMATS[format as keyof typeof UNIT_FORMATS];
  if (typeof parent['description'] === 'string') return parent['description'];
  const names: Record<string, string> = {
    integer: 'a whole number',
    number: 'a number',
    string: 'a string',
    boolean: 'true or false',
    object: 'a mapping of keys to values',
    array: 'a list',
    null: 'null',
  };
  return type
    .split(',')
    .map((t) => names[t] ?? t)
    .join(' or ');
}

/** ajv reports JSON pointers (`/routes/0/path`); array indices become numbers by looking at the data. */
function toConfigPath(pointer: string, data: unknown): ConfigPath {
  if (pointer === '') return [];
  const path: Array<string | number> = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      path.push(Number(segment));
      node = node[Number(segment)];
    } else {
      path.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

/** A URL with its password shown as `***` (a Redis URL in a message); other text as it is. */
export function redactUrlPassword(text: string): string {
  if (!text.includes('@') || !URL.canParse(text)) return text;
  const url = new URL(text);
  if (url.password === '') return text;
  url.password = '***';
  return url.href;
}
