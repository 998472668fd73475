import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
/** What `npm pack` needs from the repository; the copy keeps the build's `dist/` out of the working tree. */
const PACKED_INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'README.md',
  'src',
  'bin',
  'docs',
  'scripts',
];

interface LockEntry {
  readonly dev?: boolean;
}

/**
 * The published package as a user gets it: `npm pack` (which builds `dist/` through `prepack`), then a clean
 * install into an empty project from the npm cache only (the lockfile written here pins the same dependency
 * versions as the repository's, so nothing is fetched), then the CLI, `cachet` and `cachet/origin` are used
 * from that project with its own node_modules.
 */
test('npm pack, install into an empty project: the CLI, cachet and cachet/origin work', { timeout: 120_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'cachet-pack-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const repo = join(work, 'repo');
  for (const name of PACKED_INPUTS) cpSync(join(ROOT, name), join(repo, name), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  // npm's own scripts must find Node 24 (the build runs TypeScript sources), as they do in the repository.
  const env = {
    ...process.env,
    PATH: `${resolve(process.execPath, '..')}:${process.env.PATH ?? ''}`,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  await run('npm', ['pack', '--pack-destination', work], { cwd: repo, env });
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  assert.ok(tarball !== undefined, 'npm pack wrote no tarball');

  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
    engines: Record<string, string>;
  };
  assert.equal(manifest.dependencies['node'], undefined, 'the Node binary package must not be a runtime dependency');
  const project = join(work, 'project');
  cpSync(join(ROOT, 'test', 'fixtures', 'package-consumer'), project, { recursive: true });
  writeConsumerManifest(project, tarball, manifest);
  await run('npm', ['ci', '--offline'], { cwd: project, env });
  assert.deepEqual(
    readdirSync(join(project, 'node_modules', 'cachet')).sort(),
    ['README.md', 'bin', 'dist', 'docs', 'package.json'],
    'the package ships built JS, not sources',
  );

  const bin = join(project, 'node_modules', '.bin', 'cachet');
  const version = await run(process.execPath, [bin, '--version'], { cwd: project });
  assert.equal(version.stdout.trim(), manifest.version);
  const check = await run(process.execPath, [bin, 'check', '--config', 'cachet.yaml'], { cwd: project });
  assert.match(check.stdout, /^config OK: cachet.yaml/);

  const used = await run(process.execPath, ['use-package.mjs'], { cwd: project });
  assert.deepEqual(JSON.parse(used.stdout), {
    first: { status: 200, body: 'from origin', stored: true },
    second: { status: 200, body: 'from origin', hit: true },
    etag: '"ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"',
    configErrorCode: 'CACHET_ERR_CONFIG_INVALID',
  });

  // The dashboard's page, script and style are files beside the built JS: the package must carry them.
  const dashboard = await run(process.execPath, ['--input-type=module', '-e', SERVE_DASHBOARD], { cwd: project });
  assert.deepEqual(JSON.parse(dashboard.stdout), [
    [200, 'text/html; charset=utf-8', true],
    [200, 'text/javascript; charset=utf-8', true],
    [200, 'text/css; charset=utf-8', true],
  ]);

  // The published declarations type-check in a strict consumer project.
  symlinkSync(join(ROOT, 'node_modules', '@types'), join(project, 'node_modules', '@types'), 'dir');
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project });
});

/** Fetches the dashboard's files from the installed package's admin listener; prints `[status, type, non-empty]` each. */
const SERVE_DASHBOARD = `
import { createGateway, validateConfig } from 'cachet';
const gateway = await createGateway(validateConfig({
  listen: { host: '127.0.0.1', port: 0 },
  admin: { host: '127.0.0.1', port: 0, token: 'package-admin-token-0123' },
  upstreams: { api: { targets: ['http://127.0.0.1:9'] } },
  routes: [{ path: '/*', upstream: 'api' }],
  log: { level: 'silent' },
}));
const { adminUrl } = await gateway.listen();
const seen = [];
for (const path of ['/dashboard', '/dashboard/app.js', '/dashboard/style.css']) {
  const res = await fetch(adminUrl + path);
  seen.push([res.status, res.headers.get('content-type'), (await res.text()).length > 0]);
}
await gateway.close();
console.log(JSON.stringify(seen));
`;

/** A consumer depending on the tarball, with a lockfile holding the repository's runtime dependency versions. */
function writeConsumerManifest(
  project: string,
  tarball: string,
  manifest: { version: string; dependencies: Record<string, string>; engines: Record<string, string> },
): void {
  const spec = `file:../${tarball}`;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { cachet: spec } },
    'node_modules/cachet': {
      version: manifest.version,
      resolved: spec,
      license: 'MIT',
      dependencies: manifest.dependencies,
      engines: manifest.engines,
      bin: { cachet: 'bin/cachet.js' },
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith('node_modules/') && entry.dev !== true) packages[path] = entry;
  }
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { cachet: spec } }),
  );
  writeFileSync(
    join(project, 'package-lock.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }),
  );
}
