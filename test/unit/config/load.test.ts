import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, parseConfig } from '../../../src/config/load.ts';
import type { CachetErrorCode } from '../../../src/errors.ts';

const TOKEN = 'admin-token-0123456789';
const BASE = `
upstreams:
  api: { targets: [http://127.0.0.1:3001] }
routes:
  - { path: /*, upstream: api }
`;

/** The contract's example file, verbatim. */
const CONTRACT_EXAMPLE = `listen: { host: 127.0.0.1, port: 8080 }
admin:  { host: 127.0.0.1, port: 9901, token: \${CACHET_ADMIN_TOKEN} }
store:  { type: memory, maxBytes: 256MiB }        # or { type: redis, url: redis://127.0.0.1:6379 }
upstreams:
  api:
    targets: [http://127.0.0.1:3001, http://127.0.0.1:3002]
    balancer: round-robin                           # round-robin | least-connections
    healthCheck: { path: /health, intervalMs: 2000 }
    timeouts: { connectMs: 2000, responseMs: 30000 }
    retries: 1                                      # idempotent methods only
auth:
  jwt:
    issuer: https://auth.example.test
    audience: cachet-demo
    jwksUri: http://127.0.0.1:3000/.well-known/jwks.json   # or \`secret:\` (HS*) or \`publicKey:\` (PEM)
    algorithms: [RS256]
    clockToleranceSec: 30
routes:                      # first match wins
  - path: /v1/public/*       # prefix with trailing * ; exact otherwise
    upstream: api
    auth: none               # none | jwt | optional
  - path: /v1/*
    methods: [GET, HEAD, POST, PUT, DELETE]
    upstream: api
    auth: jwt
    scopes: [threats:read]
`;

function configError(run: () => unknown, code: CachetErrorCode): ConfigError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

async function configErrorAsync(run: () => Promise<unknown>, code: CachetErrorCode): Promise<ConfigError> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the contract example validates fully (${ENV} inside flow mappings), its auth.jwt becomes the provider "default"', () => {
  const config = parseConfig(CONTRACT_EXAMPLE, { CACHET_ADMIN_TOKEN: TOKEN });
  assert.deepEqual(config.admin, { host: '127.0.0.1', port: 9901, token: TOKEN });
  assert.equal(config.store.type === 'memory' && config.store.maxBytes, 256 * 1024 * 1024);
  assert.deepEqual(config.upstreams['api']?.targets, ['http://127.0.0.1:3001', 'http://127.0.0.1:3002']);
  assert.equal(config.upstreams['api']?.healthCheck?.intervalMs, 2000);
  assert.deepEqual(config.routes[1]?.methods, ['GET', 'HEAD', 'POST', 'PUT', 'DELETE']);
  assert.equal(config.routes[0]?.auth, 'none');
  assert.equal(config.routes[1]?.auth, 'jwt');
  assert.deepEqual(config.routes[1]?.scopes, ['threats:read']);
  assert.deepEqual(config.auth?.providers, [
    {
      kind: 'jwt',
      name: 'default',
      issuer: 'https://auth.example.test',
      audience: ['cachet-demo'],
      algorithms: ['RS256'],
      clockToleranceSec: 30,
      keys: { type: 'jwks', uri: 'http://127.0.0.1:3000/.well-known/jwks.json', cooldownMs: 30_000, maxAgeMs: 600_000, timeoutMs: 2000 },
    },
  ]);
  assert.equal(config.auth?.realm, 'cachet');
  assert.deepEqual(config.auth?.identityHeaders, { subject: 'x-auth-subject', scopes: 'x-auth-scopes', claims: {} });

  const withoutAuth = CONTRACT_EXAMPLE.replace(/^auth:\n(?: {2}.*\n)+/m, '');
  assert.notEqual(withoutAuth, CONTRACT_EXAMPLE);
  const error = configError(() => parseConfig(withoutAuth, { CACHET_ADMIN_TOKEN: TOKEN }), 'CACHET_ERR_CONFIG_INVALID');
  assert.deepEqual(error.issues, ["routes[1].auth: 'jwt' needs a token provider, expected an auth section with jwt or providers"]);
});

test('${NAME} and ${NAME:-default} expand inside string values', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['${HOST}', { HOST: '10.0.0.1' }, '10.0.0.1'],
    ['${HOST:-127.0.0.2}', {}, '127.0.0.2'],
    // `:-` takes the default for an empty variable too, as in the shell.
    ['${HOST:-127.0.0.2}', { HOST: '' }, '127.0.0.2'],
    ['${HOST:-127.0.0.2}', { HOST: '10.0.0.3' }, '10.0.0.3'],
    ['127.0.${A}.${B}', { A: '0', B: '9' }, '127.0.0.9'],
    ['"${HOST}"', { HOST: '10.0.0.4' }, '10.0.0.4'],
    ["'${HOST}'", { HOST: '10.0.0.5' }, '10.0.0.5'],
    ['"${HOST:-::1}"', {}, '::1'],
  ];
  for (const [written, env, expected] of cases) {
    assert.equal(parseConfig(`listen: { host: ${written} }\n${BASE}`, env).listen.host, expected, written);
  }
  const escaped = configError(() => parseConfig(`listen: { host: "$\${HOST}" }\n${BASE}`, { HOST: 'x' }), 'CACHET_ERR_CONFIG_INVALID');
  assert.match(escaped.issues[0] ?? '', /^listen\.host: .*\(got "\$\{HOST\}"\)$/);
  const empty = configError(() => parseConfig(`listen: { host: \${HOST} }\n${BASE}`, { HOST: '' }), 'CACHET_ERR_CONFIG_INVALID');
  assert.deepEqual(empty.issues, ['listen.host: must not be empty']);
});

test('expanded values are text, read as numbers or booleans only where the key takes those', () => {
  const config = parseConfig(
    `listen: { port: \${PORT} }\ncache: { enabled: \${CACHE:-true}, name: \${NAME} }\nadmin: { port: "\${ADMIN_PORT}", token: \${T} }\n${BASE}`,
    {
      PORT: '9090',
      CACHE: 'false',
      NAME: 'edge',
      ADMIN_PORT: '9091',
      T: '12345678901234567890',
    },
  );
  assert.equal(config.listen.port, 9090);
  assert.equal(config.cache.enabled, false);
  assert.equal(config.admin?.port, 9091);
  // Digits stay digits where the key is a string: no float rounding of a numeric token.
  assert.equal(config.admin?.token, '12345678901234567890');
  const notANumber = configError(() => parseConfig(`listen: { port: \${PORT} }\n${BASE}`, { PORT: 'http' }), 'CACHET_ERR_CONFIG_INVALID');
  assert.deepEqual(notANumber.issues, ['listen.port: must be a whole number (got "http")']);
});

test('environment values never change the structure of the file', () => {
  const token = 'a, b: c} # [x] &y *z {0123456789}';
  const config = parseConfig(`admin: { token: \${T} }\n${BASE}`, { T: token });
  assert.equal(config.admin?.token, token);
});

test('unset variables are one CACHET_ERR_CONFIG_ENV error naming each variable and its path', () => {
  const error = configError(
    () => parseConfig(`listen: { host: \${HOST}, port: \${PORT} }\nadmin: { token: \${CACHET_ADMIN_TOKEN} }\n${BASE}`, {}),
    'CACHET_ERR_CONFIG_ENV',
  );
  assert.deepEqual(error.issues, [
    'listen.host: environment variable HOST is not set, expected it set or a default as in ${HOST:-value}',
    'listen.port: environment variable PORT is not set, expected it set or a default as in ${PORT:-value}',
    'admin.token: environment variable CACHET_ADMIN_TOKEN is not set, expected it set or a default as in ${CACHET_ADMIN_TOKEN:-value}',
  ]);
  const inList = configError(
    () => parseConfig('upstreams:\n  api:\n    targets:\n      - http://a:1\n      - ${SECOND}\nroutes: []\n', {}),
    'CACHET_ERR_CONFIG_ENV',
  );
  assert.deepEqual(inList.issues, [
    'upstreams.api.targets[1]: environment variable SECOND is not set, expected it set or a default as in ${SECOND:-value}',
  ]);
});

test('references in comments are ignored; in keys and malformed ones are errors', () => {
  assert.doesNotThrow(() => parseConfig(`# token: \${NOT_SET}\n${BASE}`, {}));
  const inKey = configError(
    () => parseConfig(`upstreams:\n  \${NAME}: { targets: [http://a:1] }\nroutes: []\n`, { NAME: 'api' }),
    'CACHET_ERR_CONFIG_ENV',
  );
  assert.match(inKey.issues[0] ?? '', /variables are not expanded in keys/);
  const invalid = configError(() => parseConfig(`listen: { host: "\${1HOST}" }\n${BASE}`, {}), 'CACHET_ERR_CONFIG_ENV');
  assert.deepEqual(invalid.issues, [
    'listen.host: ${1HOST} is not a valid reference, expected ${NAME} or ${NAME:-default} (write $${ for a literal ${)',
  ]);
  const unterminated = configError(() => parseConfig(`listen: { host: "\${HOST" }\n${BASE}`, {}), 'CACHET_ERR_CONFIG_ENV');
  assert.match(unterminated.issues[0] ?? '', /^listen\.host: has an unterminated or nested \$\{…\} reference/);
});

test('YAML syntax errors are CACHET_ERR_CONFIG_PARSE with the line and column as written', () => {
  const cases: Array<[string, RegExp]> = [
    ['listen:\n  port: 8080\n  port: 9090\n', /^line 3, column 3: Map keys must be unique/],
    ['listen: { port: 8080\nroutes: []\n', /^line 2, column 1: /],
    // The reference before the error is longer than its placeholder would be: the column must still match the file.
    [
      'admin: { token: ${A_VERY_LONG_VARIABLE_NAME_FOR_TESTING:-x}, port: 1: 2 }\n',
      /^line 1, column 68: Block collections are not allowed within flow collections/,
    ],
    ['a: "unterminated\n', /^line 2, column 1: Missing closing "quote/],
  ];
  for (const [text, expected] of cases) {
    const error = configError(() => parseConfig(text, {}, { source: 'f.yaml' }), 'CACHET_ERR_CONFIG_PARSE');
    assert.match(error.issues[0] ?? '', expected, text);
    assert.match(error.message, /^cannot parse f\.yaml as YAML/);
  }
});

test('an empty file or a non-mapping is invalid, not a crash', () => {
  assert.deepEqual(configError(() => parseConfig('', {}), 'CACHET_ERR_CONFIG_INVALID').issues, [
    '(top level): must be a mapping of keys to values (got null)',
  ]);
  assert.deepEqual(configError(() => parseConfig('- a\n', {}), 'CACHET_ERR_CONFIG_INVALID').issues, [
    '(top level): must be a mapping of keys to values (got a list)',
  ]);
});

test('loadConfigFile reads a file; unreadable files are CACHET_ERR_CONFIG_READ', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'cachet.yaml');
  writeFileSync(path, `admin: { token: \${TOKEN} }\n${BASE}`);
  const config = await loadConfigFile(path, { TOKEN });
  assert.equal(config.admin?.token, TOKEN);

  const missing = await configErrorAsync(() => loadConfigFile(join(dir, 'nope.yaml'), {}), 'CACHET_ERR_CONFIG_READ');
  assert.equal(missing.message, `cannot read config file: ${join(dir, 'nope.yaml')}: no such file`);
  const directory = await configErrorAsync(() => loadConfigFile(dir, {}), 'CACHET_ERR_CONFIG_READ');
  assert.match(directory.message, /is a directory$/);

  writeFileSync(path, 'routes: [}\n');
  const parse = await configErrorAsync(() => loadConfigFile(path, {}), 'CACHET_ERR_CONFIG_PARSE');
  assert.match(parse.message, new RegExp(`^cannot parse ${path.replaceAll('.', '\\.')} as YAML`));

  writeFileSync(path, `${BASE}log: { level: loud }\n`);
  const invalid = await configErrorAsync(() => loadConfigFile(path, {}), 'CACHET_ERR_CONFIG_INVALID');
  assert.equal(
    invalid.message,
    `invalid configuration in ${path}: log.level: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")`,
  );
});

test('YAML 1.2 core schema: yes/no/on/off stay strings; anchors and merge keys work', () => {
  const invalid = configError(() => parseConfig(`cache: { enabled: yes }\n${BASE}`, {}), 'CACHET_ERR_CONFIG_INVALID');
  assert.deepEqual(invalid.issues, ['cache.enabled: must be true or false (got "yes")']);
  const config = parseConfig(
    `
upstreams:
  a: &common { targets: [http://a:1], retries: 3 }
  b: { <<: *common, targets: [http://b:1] }
routes:
  - { path: /*, upstream: a }
`,
    {},
  );
  assert.equal(config.upstreams['b']?.retries, 3);
  assert.deepEqual(config.upstreams['b']?.targets, ['http://b:1']);
});
