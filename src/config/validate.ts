import { Ajv, type SchemaObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CachetError, type CachetErrorCode } from '../errors.ts';
import type { Config } from './types.ts';
import { configSchema, UNIT_FORMATS, type UnitFormat } from './schema.ts';
import { collectSchemaIssues, formatIssue, sortIssues } from './issues.ts';
import { checkSemantics } from './semantic.ts';
import { checkTlsFiles, resolveTlsPaths } from './tls-files.ts';
import { buildConfig } from './build.ts';
import { parseByteSize, parseDuration } from './units.ts';
import { parseWorkerCount } from './workers.ts';

/**
 * A config that could not be read, parsed or validated. `issues` lists every problem, one line each,
 * shaped `<path>: <what is wrong>, expected <what>`; `message` repeats them for people.
 */
export class ConfigError extends CachetError {
  readonly issues: readonly string[];

  constructor(code: CachetErrorCode, summary: string, issues: readonly string[], options?: ErrorOptions) {
    super(code, formatConfigErrorMessage(summary, issues), options);
    this.name = 'ConfigError';
    this.issues = Object.freeze([...issues]);
  }
}

function formatConfigErrorMessage(summary: string, issues: readonly string[]): string {
  if (issues.length === 1) return `${summary}: ${issues[0]}`;
  return `${summary} (${issues.length} problems):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`;
}

/** Where a config came from, for messages (`cachet.yaml`). */
export interface ConfigSource {
  readonly source?: string;
  /** The folder relative file paths (`listen.tls.cert`) are read against: the config file's; the working directory otherwise. */
  readonly baseDir?: string;
}

/**
 * Validates a parsed config (plain data, as from YAML or JSON) and answers the frozen {@link Config} with
 * every default filled in. Sizes may be strings (`256MiB`), durations strings (`30s`).
 *
 * @throws {ConfigError} `CACHET_ERR_CONFIG_INVALID` listing every problem found.
 * @example
 * const config = validateConfig({ upstreams: { api: { targets: ['http://127.0.0.1:3001'] } }, routes: [{ path: '/*', upstream: 'api' }] });
 */
export function validateConfig(raw: unknown, options: ConfigSource = {}): Config {
  const summary = options.source === undefined ? 'invalid configuration' : `invalid configuration in ${options.source}`;
  let data: unknown;
  try {
    data = structuredClone(raw);
  } catch (err) {
    throw new ConfigError(
      'CACHET_ERR_CONFIG_INVALID',
      summary,
      ['(top level): must be plain data (objects, lists, strings, numbers, booleans)'],
      { cause: err },
    );
  }
  coerceScalars(configSchema, data);
  resolveTlsPaths(data, options.baseDir ?? process.cwd());
  const validate = getValidator();
  const found = [
    ...(validate(data) ? [] : collectSchemaIssues(validate.errors ?? [], data)),
    ...checkSemantics(data),
    ...checkTlsFiles(data),
  ];
  const issues = [...new Set(sortIssues(found, data).map(formatIssue))];
  if (issues.length > 0) throw new ConfigError('CACHET_ERR_CONFIG_INVALID', summary, issues);
  return buildConfig(data);
}

let validator: ValidateFunction | undefined;

/** Compiled on first use: `cachet --help` should not pay for it. */
function getValidator(): ValidateFunction {
  if (validator !== undefined) return validator;
  const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true, strictRequired: false });
  const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats: string[]) => Ajv;
  addFormats(ajv, ['uri']);
  for (const format of Object.keys(UNIT_FORMATS) as UnitFormat[]) {
    ajv.addFormat(format, { type: 'string', validate: (text: string) => parseUnitValue(format, text) !== undefined });
  }
  validator = ajv.compile(configSchema);
  return validator;
}

function parseUnitValue(format: UnitFormat, value: unknown): number | undefined {
  if (format === 'byte-size') return parseByteSize(value);
  if (format === 'worker-count') return parseWorkerCount(value);
  return parseDuration(value, format === 'duration-ms' ? 'ms' : 'sec');
}

/**
 * Reads text where the schema wants something else, in place, before ajv sees it: size and duration
 * strings become numbers (so `minimum` applies to what they mean), and digits or true/false become
 * numbers or booleans where the key takes only those, since `${PORT}` always expands to text. Anything
 * unreadable stays as it is for ajv to report.
 */
function coerceScalars(schema: SchemaObject, data: unknown): void {
  if (data === null || typeof data !== 'object') return;
  if (Array.isArray(data)) {
    if (isSchema(schema['items']))
      data.forEach((item: unknown, index) => {
        data[index] = coerceScalar(schema['items'], item);
      });
    return;
  }
  const record = data as Record<string, unknown>;
  const properties = (schema['properties'] ?? {}) as Record<string, SchemaObject>;
  for (const [key, value] of Object.entries(record)) {
    const child = Object.hasOwn(properties, key) ? properties[key] : schema['additionalProperties'];
    if (isSchema(child)) record[key] = coerceScalar(child, value);
  }
}

function coerceScalar(schema: SchemaObject, value: unknown): unknown {
  if (typeof value !== 'string') {
    coerceScalars(schema, value);
    return value;
  }
  const { format, type } = schema;
  if (typeof format === 'string' && format in UNIT_FORMATS) return parseUnitValue(format as UnitFormat, value) ?? value;
  const types: unknown[] = Array.isArray(type) ? type : [type];
  if (types.includes('string')) return value;
  if (types.includes('integer') && /^-?\d+$/.test(value)) return Number(value);
  if (types.includes('number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function isSchema(value: unknown): value is SchemaObject {
  return value !== null && typeof value === 'object';
}
