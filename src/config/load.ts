import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import type { Config } from './types.ts';
import { ConfigError, validateConfig, type ConfigSource } from './validate.ts';
import { maskReferences, type Env } from './interpolate.ts';
import { describeFileError } from './file-errors.ts';

export { ConfigError, validateConfig } from './validate.ts';
export { buildProxyConfig, type ProxyOptions } from './proxy-config.ts';
export { parseByteSize, parseDuration } from './units.ts';
export type { Env } from './interpolate.ts';

/**
 * Reads, interpolates and validates a YAML config file.
 *
 * @throws {ConfigError} `CACHET_ERR_CONFIG_READ` (unreadable file), `CACHET_ERR_CONFIG_PARSE` (YAML syntax,
 *   with line and column), `CACHET_ERR_CONFIG_ENV` (unset variables, with their paths) or
 *   `CACHET_ERR_CONFIG_INVALID` (every schema and semantic problem).
 * @example
 * const config = await loadConfigFile('cachet.yaml');
 */
export async function loadConfigFile(path: string, env: Env = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('CACHET_ERR_CONFIG_READ', 'cannot read config file', [`${path}: ${describeFileError(err)}`], { cause: err });
  }
  return parseConfig(text, env, { source: path, baseDir: dirname(resolve(path)) });
}

/**
 * Parses YAML config text, expands `${NAME}` / `${NAME:-default}` in string values from `env`, and
 * validates the result (see {@link validateConfig}).
 */
export function parseConfig(yamlText: string, env: Env = process.env, options: ConfigSource = {}): Config {
  const source = options.source ?? 'config';
  const masked = maskReferences(yamlText);
  const doc = parseDocument(masked.text, { prettyErrors: false, merge: true });
  const syntaxError = doc.errors[0];
  if (syntaxError !== undefined) {
    const issue = describeSyntaxError(syntaxError, yamlText, masked.toOriginalOffset(syntaxError.pos[0]));
    const more = doc.errors.length > 1 ? ` (${doc.errors.length - 1} more error(s) may follow from it)` : '';
    throw new ConfigError('CACHET_ERR_CONFIG_PARSE', `cannot parse ${source} as YAML${more}`, [issue], { cause: syntaxError });
  }
  const envIssues = masked.resolve(doc, env);
  if (envIssues.length > 0) throw new ConfigError('CACHET_ERR_CONFIG_ENV', `cannot expand variables in ${source}`, envIssues);
  return validateConfig(doc.toJS({ maxAliasCount: 100 }), options);
}

function describeSyntaxError(error: YAMLError, original: string, offset: number): string {
  const before = original.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = offset - lineStart + 1;
  const lineEnd = original.indexOf('\n', lineStart);
  const lineText = original.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).replace(/\r$/, '');
  const reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.code;
  return `line ${line}, column ${column}: ${reason}\n      ${lineText}\n      ${' '.repeat(column - 1)}^`;
}
