import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../../../src/config/validate.ts';
import { issuesOf } from '../../helpers/config.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));
const CERT = join(FIXTURES, 'cert.pem');
const KEY = join(FIXTURES, 'key.pem');
const minimal = { upstreams: { api: { targets: ['http://127.0.0.1:3001'] } }, routes: [{ path: '/*', upstream: 'api' }] };

function withListen(listen: Record<string, unknown>): Record<string, unknown> {
  return { ...minimal, listen };
}

test('listen.tls: TLS 1.3 by default, HTTP/2 off, 100 concurrent HTTP/2 streams', () => {
  const config = validateConfig(withListen({ tls: { cert: CERT, key: KEY } }));
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8080, tls: { cert: CERT, key: KEY, minVersion: 'TLSv1.3' }, http2: false });
  assert.equal(config.limits.http2MaxConcurrentStreams, 100);
  const configured = validateConfig({
    ...withListen({ tls: { cert: CERT, key: KEY, minVersion: 'TLSv1.2' }, http2: true }),
    limits: { http2MaxConcurrentStreams: '250' },
  });
  assert.equal(configured.listen.tls?.minVersion, 'TLSv1.2');
  assert.equal(configured.listen.http2, true);
  assert.equal(configured.limits.http2MaxConcurrentStreams, 250);
});

test('listen.tls file paths are read relative to the config file, absolute paths as they are', () => {
  const config = validateConfig(withListen({ tls: { cert: 'cert.pem', key: KEY } }), { baseDir: FIXTURES });
  assert.equal(config.listen.tls?.cert, CERT);
  assert.equal(config.listen.tls?.key, KEY);
  assert.deepEqual(
    issuesOf({ ...withListen({ tls: { cert: 'cert.pem', key: 'key.pem' } }) }).length > 0,
    true,
    'relative to the working directory without a config file',
  );
});

test('listen: unusable TLS settings are each reported with the file they name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-tls-config-'));
  try {
    const shortKeys = join(dir, 'short.keys');
    writeFileSync(shortKeys, Buffer.alloc(16));
    const missing = join(dir, 'missing.pem');
    assert.deepEqual(issuesOf(withListen({ tls: { cert: missing, key: KEY, ticketKeys: shortKeys } })), [
      `listen.tls.cert: cannot read ${missing}: no such file`,
      `listen.tls.ticketKeys: ${shortKeys} holds 16 bytes, expected exactly 48 random bytes (openssl rand 48 > ticket.keys)`,
    ]);
    const [mismatch] = issuesOf(withListen({ tls: { cert: KEY, key: CERT } }));
    assert.match(mismatch ?? '', new RegExp(`^listen\\.tls: ${KEY} and ${CERT} are not a PEM certificate and its private key`));
    assert.deepEqual(issuesOf(withListen({ tls: { cert: dirname(CERT), key: KEY } })), [
      `listen.tls.cert: cannot read ${dirname(CERT)}: is a directory`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listen: HTTP/2 needs TLS; a TLS version other than 1.2 or 1.3 and a missing key are refused', () => {
  assert.deepEqual(issuesOf(withListen({ http2: true })), [
    'listen.http2: needs listen.tls: HTTP/2 is offered over TLS only (h2c is not supported), expected listen.tls { cert, key }',
  ]);
  const [version] = issuesOf(withListen({ tls: { cert: CERT, key: KEY, minVersion: 'TLSv1.1' } }));
  assert.match(version ?? '', /^listen\.tls\.minVersion: .*TLSv1\.2.*TLSv1\.3/);
  const [key] = issuesOf(withListen({ tls: { cert: CERT } }));
  assert.match(key ?? '', /^listen\.tls\.key: /);
  const [streams] = issuesOf({ ...minimal, limits: { http2MaxConcurrentStreams: 0 } });
  assert.match(streams ?? '', /^limits\.http2MaxConcurrentStreams: /);
});

test('a config file names its TLS files relative to its own folder', async () => {
  const { copyFileSync } = await import('node:fs');
  const { loadConfigFile } = await import('../../../src/config/load.ts');
  const dir = mkdtempSync(join(tmpdir(), 'cachet-tls-file-'));
  try {
    copyFileSync(CERT, join(dir, 'site.pem'));
    copyFileSync(KEY, join(dir, 'site.key'));
    const file = join(dir, 'cachet.yaml');
    writeFileSync(
      file,
      'listen: { port: 8443, tls: { cert: ./site.pem, key: site.key }, http2: true }\nupstreams: { api: { targets: [http://127.0.0.1:3001] } }\nroutes: [{ path: /*, upstream: api }]\n',
    );
    const config = await loadConfigFile(file, {});
    assert.equal(config.listen.tls?.cert, join(dir, 'site.pem'));
    assert.equal(config.listen.tls?.key, join(dir, 'site.key'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
