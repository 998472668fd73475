import test from 'node:test';
import assert from 'node:assert/strict';
import { buildProxyConfig } from '../../../src/config/proxy-config.ts';
import { ConfigError, validateConfig } from '../../../src/config/validate.ts';

const TOKEN = 'admin-token-0123456789';

test('buildProxyConfig: one upstream `origin`, one route /*, every other default', () => {
  const config = buildProxyConfig({ to: 'http://127.0.0.1:3000/', port: 0 });
  const expected = validateConfig({
    listen: { port: 0 },
    upstreams: { origin: { targets: ['http://127.0.0.1:3000'] } },
    routes: [{ path: '/*', upstream: 'origin' }],
  });
  assert.deepEqual(config, expected);
  assert.equal(config.admin, undefined);
  assert.deepEqual(config.store, { type: 'memory', maxBytes: 256 * 1024 * 1024, maxObjectBytes: 64 * 1024 * 1024 });
  assert.ok(Object.isFrozen(config.routes));
});

test('buildProxyConfig: host, admin (local unless told otherwise) and log level', () => {
  const config = buildProxyConfig({
    to: 'https://origin.example',
    host: '0.0.0.0',
    port: 8081,
    adminPort: 9902,
    adminToken: TOKEN,
    logLevel: 'warn',
  });
  assert.deepEqual(config.listen, { host: '0.0.0.0', port: 8081, http2: false });
  assert.deepEqual(config.admin, { host: '127.0.0.1', port: 9902, token: TOKEN });
  assert.equal(config.log.level, 'warn');
  assert.equal(buildProxyConfig({ to: 'http://a:1', adminPort: 0, adminHost: '::1', adminToken: TOKEN }).admin?.host, '::1');
});

test('buildProxyConfig refuses bad options, naming each option', () => {
  const cases: Array<[Parameters<typeof buildProxyConfig>[0], string[]]> = [
    [{ to: 'ftp://origin' }, ['to: has scheme ftp, expected an http(s) origin such as http://127.0.0.1:3000 (got "ftp://origin")']],
    [
      { to: 'http://origin/api' },
      ['to: must not have a path, query or fragment, expected an http(s) origin such as http://127.0.0.1:3000 (got "http://origin/api")'],
    ],
    [
      { to: 'localhost:3000' },
      ['to: is missing its scheme (http:// or https://), expected an http(s) origin such as http://127.0.0.1:3000 (got "localhost:3000")'],
    ],
    [
      { to: 'http://a:1', port: 70_000, adminPort: -1, adminToken: TOKEN },
      ['port: must be between 0 and 65535 (got 70000)', 'adminPort: must be between 0 and 65535 (got -1)'],
    ],
    [{ to: 'http://a:1', adminPort: 9901 }, ['adminToken: must be at least 16 characters long when the admin API is on (got none)']],
    [
      { to: 'http://a:1', adminPort: 9901, adminToken: 'short' },
      ['adminToken: must be at least 16 characters long when the admin API is on (got 5)'],
    ],
    [{ to: 'http://a:1', adminToken: TOKEN }, ['adminToken: is set but the admin port is not, expected both or neither']],
    [{ to: 'http://a:1', adminPort: 8080, adminToken: TOKEN }, ['adminPort: must differ from the listen port (both are 8080)']],
  ];
  for (const [options, issues] of cases) {
    assert.throws(
      () => buildProxyConfig(options),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'CACHET_ERR_CONFIG_INVALID');
        assert.deepEqual(err.issues, issues);
        return true;
      },
      JSON.stringify(options),
    );
  }
  // What only the full validation knows still surfaces, with the config path.
  assert.throws(() => buildProxyConfig({ to: 'http://a:1', host: 'bad host!' }), /listen\.host: must be an IP address or a host name/);
});
