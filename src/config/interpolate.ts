import { randomBytes } from 'node:crypto';
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { formatPath, type ConfigPath } from './issues.ts';

/** Values configs read from the environment (`process.env` fits). */
export type Env = Readonly<Record<string, string | undefined>>;

interface Reference {
  /** The text as written, e.g. `${PORT:-8080}`. */
  readonly text: string;
  readonly kind: 'variable' | 'escape' | 'invalid';
  readonly name: string;
  readonly fallback: string | undefined;
}

interface Replacement {
  readonly maskedAt: number;
  readonly maskedLength: number;
  readonly originalAt: number;
  readonly originalLength: number;
}

/** Source text with every `${…}` swapped for a placeholder YAML reads as plain word characters. */
export interface MaskedText {
  readonly text: string;
  /** Maps an offset in `text` back to the original, so parse errors point at what the user wrote. */
  toOriginalOffset(offset: number): number;
  /**
   * Resolves the placeholders inside the document's scalars against `env`, in place. Answers one issue
   * per unset variable or malformed reference, with the config path of the value it appears in.
   */
  resolve(doc: Document, env: Env): string[];
}

// Quotes end a reference: `"${HOST"` is an unterminated reference, not one running on to a later `}`.
const REFERENCE = /\$(\$?)\{([^{}\n"']*)\}/g;
const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * `${NAME}` and `${NAME:-default}` are replaced after parsing, inside string values only, so an environment
 * value can never change the YAML structure. They are masked first because `{` and `}` are flow
 * indicators: `{ token: ${TOKEN} }` is not valid YAML as written. `$${` writes a literal `${`.
 */
export function maskReferences(source: string): MaskedText {
  const nonce = randomBytes(6).toString('hex');
  const references: Reference[] = [];
  const replacements: Replacement[] = [];
  let delta = 0;
  const text = source.replace(REFERENCE, (match: string, escaped: string, inner: string, offset: number) => {
    const variable = VARIABLE.exec(inner);
    const kind = escaped !== '' ? 'escape' : variable === null ? 'invalid' : 'variable';
    references.push({ text: match, kind, name: variable?.[1] ?? '', fallback: variable?.[2] });
    const placeholder = `cachetenv${nonce}x${references.length - 1}x`;
    replacements.push({ maskedAt: offset + delta, maskedLength: placeholder.length, originalAt: offset, originalLength: match.length });
    delta += placeholder.length - match.length;
    return placeholder;
  });
  const placeholder = new RegExp(`cachetenv${nonce}x(\\d+)x`, 'g');

  return {
    text,
    toOriginalOffset(offset) {
      let mapped = offset;
      for (const r of replacements) {
        if (r.maskedAt > offset) break;
        mapped =
          offset < r.maskedAt + r.maskedLength ? r.originalAt : r.originalAt + r.originalLength + (offset - r.maskedAt - r.maskedLength);
      }
      return mapped;
    },
    resolve(doc, env) {
      const issues: string[] = [];
      const substitute = (value: string, path: ConfigPath): string =>
        value.replace(placeholder, (_match: string, index: string) => {
          const ref = references[Number(index)];
          if (ref === undefined) return '';
          if (ref.kind === 'escape') return ref.text.slice(1);
          if (ref.kind === 'invalid') {
            issues.push(
              `${formatPath(path)}: ${ref.text} is not a valid reference, expected \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`,
            );
            return '';
          }
          const fromEnv = env[ref.name];
          // Shell semantics for `:-`: an empty variable also takes the default.
          if (ref.fallback !== undefined) return fromEnv === undefined || fromEnv === '' ? ref.fallback : fromEnv;
          if (fromEnv !== undefined) return fromEnv;
          issues.push(
            `${formatPath(path)}: environment variable ${ref.name} is not set, expected it set or a default as in \${${ref.name}:-value}`,
          );
          return '';
        });
      const visit = (node: unknown, path: ConfigPath): void => {
        if (isMap(node)) {
          for (const pair of node.items) {
            const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
            const shownKey = key.search(placeholder) === -1 ? key : substitute(key, path);
            if (shownKey !== key)
              issues.push(`${formatPath([...path, shownKey])}: variables are not expanded in keys, expected a literal key`);
            visit(pair.value, [...path, shownKey]);
          }
        } else if (isSeq(node)) {
          node.items.forEach((item, index) => {
            visit(item, [...path, index]);
          });
        } else if (isScalar(node) && typeof node.value === 'string') {
          const before = node.value;
          if (before.includes('${')) {
            issues.push(`${formatPath(path)}: has an unterminated or nested \${…} reference, expected \${NAME} or \${NAME:-default}`);
          }
          // Always a string: a token of digits must not turn into a number. Where the schema wants a
          // number or a boolean, validation reads the string (see `coerceScalars`).
          node.value = substitute(before, path);
        }
      };
      visit(doc.contents as Node | null, []);
      return issues;
    },
  };
}
