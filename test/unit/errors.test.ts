import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ERROR_TABLE, CachetError, type CachetErrorCode } from '../../src/errors.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CODES = Object.keys(ERROR_TABLE) as CachetErrorCode[];

/** `| \`CODE\` | status |` rows of docs/errors.md, status as written (`404`, `exit 1`). */
function documentedStatuses(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8').split('\n')) {
    const match = /^\| `(CACHET_ERR_[A-Z_]+)` \| ([^|]+) \|/.exec(line);
    if (match !== null) rows.set(match[1] as string, (match[2] as string).trim());
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('errors: every code in the table is documented in docs/errors.md with its status, and nothing else is', () => {
  const documented = documentedStatuses();
  for (const code of CODES) {
    const status = documented.get(code);
    assert.ok(status !== undefined, `${code} is missing from docs/errors.md`);
    const { status: tableStatus } = ERROR_TABLE[code];
    // Start-up errors end the process instead of answering: their table status is 500 and the docs give the exit status.
    if (/^exit \d$/.test(status)) assert.equal(tableStatus, 500, `${code}: an exit status is only for codes that never answer a client`);
    else assert.equal(Number(status), tableStatus, `${code}: docs say ${status}, the table ${tableStatus}`);
  }
  for (const code of documented.keys()) assert.ok(code in ERROR_TABLE, `docs/errors.md lists ${code}, which the table does not have`);
});

test('errors: every code in the table is raised or answered somewhere in src/', () => {
  const sources = sourceFiles(join(ROOT, 'src'))
    .filter((path) => !path.endsWith(join('src', 'errors.ts')))
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');
  const unused = CODES.filter((code) => !sources.includes(`'${code}'`));
  assert.deepEqual(unused, [], 'codes nobody raises: remove them or raise them');
});

test('errors: a CachetError takes its status from the table; titles are the status phrases', () => {
  assert.equal(new CachetError('CACHET_ERR_UPSTREAM_TIMEOUT', 'slow').status, 504);
  assert.equal(new CachetError('CACHET_ERR_AUTH_INSUFFICIENT_SCOPE', 'scope').status, 403);
  for (const code of CODES) assert.match(ERROR_TABLE[code].title, /^[A-Z][A-Za-z-]*( [A-Z][A-Za-z-]*)*$/, code);
});
