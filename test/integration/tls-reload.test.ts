import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { X509Certificate } from 'node:crypto';
import { CONFIG_DEFAULTS } from '../../src/config/schema.ts';
import type { TlsConfig } from '../../src/config/types.ts';
import { listenOn } from '../../src/server/listen.ts';
import { createSecureListener, reloadTlsFiles } from '../../src/server/secure-listener.ts';
import { CachetError } from '../../src/errors.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { startOrigin } from '../helpers/origin.ts';
import { startTlsGateway } from '../helpers/h2.ts';
import { ADMIN_TOKEN } from '../helpers/gateway.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

/** The fingerprint of the certificate a new connection is shown. */
function servedFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

test('reloadTlsFiles puts a renewed certificate in force for new connections, and keeps the old one when a file is unusable', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-tls-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tlsConfig: TlsConfig = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), minVersion: 'TLSv1.3' };
  const limits = { ...CONFIG_DEFAULTS.limits };
  for (const http2 of [true, false]) {
    copyFileSync(fixture('cert.pem'), tlsConfig.cert);
    copyFileSync(fixture('key.pem'), tlsConfig.key);
    const server = createSecureListener({ host: '127.0.0.1', port: 0, tls: tlsConfig, http2 }, limits, (_req, res) => res.end());
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = await listenOn(server, { host: '127.0.0.1', port: 0 });
    const first = new X509Certificate(readFileSync(fixture('cert.pem'))).fingerprint256;
    const next = new X509Certificate(readFileSync(fixture('next-cert.pem'))).fingerprint256;
    assert.equal(await servedFingerprint(url), first);

    copyFileSync(fixture('next-cert.pem'), tlsConfig.cert);
    copyFileSync(fixture('next-key.pem'), tlsConfig.key);
    reloadTlsFiles(server, tlsConfig);
    assert.equal(await servedFingerprint(url), next);

    writeFileSync(tlsConfig.key, 'not a key');
    assert.throws(
      () => reloadTlsFiles(server, tlsConfig),
      (err: unknown) => err instanceof CachetError && err.code === 'CACHET_ERR_CONFIG_READ' && err.message.includes(tlsConfig.key),
    );
    assert.equal(await servedFingerprint(url), next, 'the certificate in force stays');
  }
});

test('a config reload (SIGHUP, POST /reload) reads the certificate files again; an unusable one refuses the reload', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cachet-tls-sighup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  copyFileSync(fixture('cert.pem'), cert);
  copyFileSync(fixture('key.pem'), key);
  const origin = await startOrigin(t);
  const { gateway, url } = await startTlsGateway(t, [origin.url], {}, { tls: { cert, key } });
  const config = validateConfig({
    listen: { host: '127.0.0.1', port: 0, tls: { cert, key }, http2: true },
    admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
    upstreams: { api: { targets: [origin.url] } },
    routes: [{ path: '/*', upstream: 'api' }],
    log: { level: 'silent' },
  });
  copyFileSync(fixture('next-cert.pem'), cert);
  copyFileSync(fixture('next-key.pem'), key);
  assert.deepEqual(await gateway.applyConfig(config), { reloaded: true });
  const next = new X509Certificate(readFileSync(fixture('next-cert.pem'))).fingerprint256;
  assert.equal(await servedFingerprint(url), next);

  writeFileSync(cert, 'expired and mangled');
  const refused = await gateway.applyConfig(config);
  assert.equal(refused.reloaded, false);
  assert.match(String(refused.problems), new RegExp(`listen\\.tls: ${cert.replaceAll('.', '\\.')} and`));
  assert.equal(await servedFingerprint(url), next);
});
