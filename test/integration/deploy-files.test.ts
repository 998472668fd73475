import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startOrigin } from '../helpers/origin.ts';
import { COMPOSE_FILE, inspectCompose } from './deploy-files/compose.ts';
import { DOCKERFILE, inspectDockerfile } from './deploy-files/docker.ts';
import type { Findings } from './deploy-files/findings.ts';
import { inspectKubernetes, KUBERNETES_DIR } from './deploy-files/kubernetes.ts';
import { askProbes, checkWithCli } from './deploy-files/run.ts';
import { inspectSystemdUnit, UNIT_FILE, writeVerifiableUnit } from './deploy-files/systemd.ts';

// The deployment files under deploy/ cannot be built or started here (no Docker daemon, no cluster, no systemd as
// init), so this checks what can be checked: every cachet config they ship passes `cachet check` and answers the
// probes they use, and every port, path, stage and variable they name exists and agrees with those configs.

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const INSPECTORS = [inspectDockerfile, inspectCompose, inspectKubernetes, inspectSystemdUnit];

/** Every inspector's findings; a config two services run with the same environment counted once. */
function inspectAll(root: string): Findings {
  const all = INSPECTORS.map((inspect) => inspect(root));
  const configs = new Map(all.flatMap((f) => f.configs).map((config) => [`${config.label} ${JSON.stringify(config.env)}`, config]));
  return { problems: all.flatMap((f) => f.problems), configs: [...configs.values()], probePaths: all.flatMap((f) => f.probePaths) };
}

test('the Dockerfile copies files in the build context, runs the packed package as non-root, and exposes and probes its config', () => {
  assert.deepEqual(inspectDockerfile(ROOT).problems, []);
});

test('the compose file mounts existing files, publishes the config ports, and its configs reach its own services', () => {
  assert.deepEqual(inspectCompose(ROOT).problems, []);
});

test('the Kubernetes manifests agree with the ConfigMap config: ports, probes, Service, Secret, grace period, non-root', () => {
  assert.deepEqual(inspectKubernetes(ROOT).problems, []);
});

test('the systemd unit runs a shipped config, reloads on SIGHUP, and stops after the drain', () => {
  assert.deepEqual(inspectSystemdUnit(ROOT).problems, []);
});

test('every cachet config under deploy/ passes cachet check with the environment its deployment gives it', async () => {
  const { configs } = inspectAll(ROOT);
  const labels = configs.map((config) => config.label);
  const files = listFiles(join(ROOT, 'deploy')).filter((file) => /\/cachet[^/]*\.yaml$/.test(file));
  for (const file of files) assert.ok(labels.includes(file), `${file} is shipped but no deploy file runs it`);
  assert.ok(labels.some((label) => label.startsWith(`${KUBERNETES_DIR}/configmap.yaml`)));
  assert.deepEqual(await checkWithCli(configs), []);
});

test('the probe paths the deploy files use answer 200 on the admin API of a gateway started from each config', async (t) => {
  const origin = await startOrigin(t);
  const { configs, probePaths } = inspectAll(ROOT);
  assert.deepEqual([...new Set(probePaths)].sort(), ['/livez', '/readyz']);
  assert.deepEqual(await askProbes(configs, probePaths, origin.url), []);
});

test('systemd-analyze verify accepts the unit, ExecStart pointed at this machine Node', async (t) => {
  const analyze = await run('systemd-analyze', ['--version']).catch(() => undefined);
  if (analyze === undefined) {
    t.skip('SKIPPED: systemd-analyze is not installed here, so the unit is not verified');
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), 'cachet-unit-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const unit = writeVerifiableUnit(ROOT, directory, process.execPath);
  assert.deepEqual(await verifyUnit(unit), { code: 0, stderr: '' });
  // Unknown or malformed settings are only warnings to verify: they must fail here too.
  writeFileSync(unit, readFileSync(unit, 'utf8').replace('KillMode=mixed', 'KillMode=mixd'));
  assert.match((await verifyUnit(unit)).stderr, /kill mode/);
});

async function verifyUnit(path: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run('systemd-analyze', ['verify', path]);
    return { code: 0, stderr };
  } catch (err) {
    const failure = err as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
}

/** A break in one file of a copy of the tree, and the problem the checks must report for it. */
interface Breakage {
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly reported: RegExp;
}

const BREAKAGES: readonly Breakage[] = [
  { file: DOCKERFILE, from: 'COPY scripts ./scripts', to: 'COPY script ./scripts', reported: /COPY script: not in the repository/ },
  {
    file: '.dockerignore',
    from: 'bench\n',
    to: 'bench\nscripts\n',
    reported: /COPY scripts: left out of the build context by \.dockerignore \(scripts\)/,
  },
  { file: DOCKERFILE, from: 'EXPOSE 8080 9901', to: 'EXPOSE 8080 9090', reported: /EXPOSE 8080 9090, the config listens on 8080 9901/ },
  { file: DOCKERFILE, from: 'USER 10001:10001', to: 'USER root', reported: /the last stage runs as root/ },
  { file: DOCKERFILE, from: '9901/livez', to: '9901/healthz', reported: /HEALTHCHECK asks \/healthz, not a probe path/ },
  { file: DOCKERFILE, from: '9901/livez', to: '9911/livez', reported: /HEALTHCHECK asks port 9911, the admin API is on 9901/ },
  { file: DOCKERFILE, from: 'node:24-slim AS runtime', to: 'node:22-slim AS runtime', reported: /runs on node:22-slim, not Node 24/ },
  {
    file: DOCKERFILE,
    from: '/etc/cachet/cachet.yaml\nENV',
    to: '/etc/cachet/default.yaml\nENV',
    reported: /does not ship the config its command names/,
  },
  {
    file: 'deploy/docker/cachet.yaml',
    from: 'port: 9901',
    to: 'port: 9902',
    reported: /EXPOSE 8080 9901, the config listens on 8080 9902/,
  },
  { file: COMPOSE_FILE, from: '"8081:8080"', to: '"8081:8000"', reported: /cachet-2 publishes container port 8000/ },
  { file: COMPOSE_FILE, from: './cachet.yaml:', to: './cachet.yml:', reported: /mounts \.\/cachet\.yml, which does not exist/ },
  { file: COMPOSE_FILE, from: 'target: runtime', to: 'target: runtim', reported: /builds target runtim, no such stage/ },
  {
    file: COMPOSE_FILE,
    from: 'condition: service_healthy',
    to: 'condition: service_healthy\n    cache:\n      condition: service_started',
    reported: /depends on cache, no such service/,
  },
  {
    file: COMPOSE_FILE,
    from: '    CACHET_ADMIN_TOKEN: ${',
    to: '    ADMIN_TOKEN: ${',
    reported: /reads \$\{CACHET_ADMIN_TOKEN\}, which the deployment does not set/,
  },
  {
    file: 'deploy/compose/cachet.yaml',
    from: 'redis://redis:6379',
    to: 'redis://redis:6380',
    reported: /names redis:\/\/redis:6380, redis listens on 6379/,
  },
  {
    file: 'deploy/compose/cachet.yaml',
    from: 'http://origin:3001',
    to: 'http://api:3001',
    reported: /names http:\/\/api:3001, no such service/,
  },
  {
    file: `${KUBERNETES_DIR}/deployment.yaml`,
    from: 'path: /readyz',
    to: 'path: /ready',
    reported: /readinessProbe asks \/ready, expected \/readyz/,
  },
  {
    file: `${KUBERNETES_DIR}/deployment.yaml`,
    from: 'port: admin',
    to: 'port: http',
    reported: /livenessProbe asks port http, the admin API is on 9901/,
  },
  {
    file: `${KUBERNETES_DIR}/deployment.yaml`,
    from: 'terminationGracePeriodSeconds: 35',
    to: 'terminationGracePeriodSeconds: 25',
    reported: /terminationGracePeriodSeconds 25 is not above/,
  },
  {
    file: `${KUBERNETES_DIR}/deployment.yaml`,
    from: 'readOnlyRootFilesystem: true',
    to: 'readOnlyRootFilesystem: false',
    reported: /root filesystem is writable/,
  },
  { file: `${KUBERNETES_DIR}/deployment.yaml`, from: 'runAsNonRoot: true', to: 'runAsNonRoot: false', reported: /may run as root/ },
  { file: `${KUBERNETES_DIR}/deployment.yaml`, from: 'replicas: 2', to: 'replicas: 1', reported: /runs 1 replica/ },
  {
    file: `${KUBERNETES_DIR}/deployment.yaml`,
    from: 'mountPath: /etc/cachet',
    to: 'mountPath: /etc/gateway',
    reported: /--config \/etc\/cachet\/cachet\.yaml is no key of a mounted ConfigMap/,
  },
  {
    file: `${KUBERNETES_DIR}/service.yaml`,
    from: 'targetPort: http',
    to: 'targetPort: admin',
    reported: /the Service targets admin, not the proxy port 8080/,
  },
  {
    file: `${KUBERNETES_DIR}/configmap.yaml`,
    from: 'port: 9901',
    to: 'port: 9902',
    reported: /container ports 8080 9901, the config listens on 8080 9902/,
  },
  {
    file: `${KUBERNETES_DIR}/secret.example.yaml`,
    from: 'redis-url:',
    to: 'redis_url:',
    reported: /CACHET_REDIS_URL comes from cachet-secrets\/redis-url, which no Secret example holds/,
  },
  {
    file: `${KUBERNETES_DIR}/kustomization.yaml`,
    from: 'service.yaml',
    to: 'services.yaml',
    reported: /lists services\.yaml, which does not exist/,
  },
  { file: UNIT_FILE, from: 'TimeoutStopSec=30', to: 'TimeoutStopSec=20', reported: /TimeoutStopSec 20 is not above the drain \(20 s\)/ },
  {
    file: UNIT_FILE,
    from: 'run --config /etc/cachet/cachet.yaml',
    to: 'run --config /etc/cachet/gateway.yaml',
    reported: /\(\/etc\/cachet\/gateway\.yaml\) is not shipped beside it/,
  },
  { file: UNIT_FILE, from: 'ExecStart=/usr/bin/node', to: 'ExecStart=node', reported: /ExecStart node is not an absolute path/ },
  { file: UNIT_FILE, from: '/bin/kill -HUP', to: '/bin/kill -USR2', reported: /no ExecReload sending SIGHUP/ },
  { file: UNIT_FILE, from: 'DynamicUser=yes', to: '', reported: /cachet\.service: runs as root/ },
  {
    file: 'deploy/systemd/cachet.env.example',
    from: 'CACHET_ADMIN_TOKEN=',
    to: 'ADMIN_TOKEN=',
    reported: /reads \$\{CACHET_ADMIN_TOKEN\}, which the deployment does not set/,
  },
];

test('each check reports a broken copy of the deploy files', async (t) => {
  for (const breakage of BREAKAGES) {
    const root = copyTree(t);
    const path = join(root, breakage.file);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes(breakage.from), `${breakage.file} no longer contains ${JSON.stringify(breakage.from)}`);
    writeFileSync(path, text.replace(breakage.from, breakage.to));
    const { problems } = inspectAll(root);
    assert.ok(
      problems.some((problem) => breakage.reported.test(problem)),
      `${breakage.file}: ${breakage.to}: expected ${breakage.reported}, got ${JSON.stringify(problems)}`,
    );
  }
});

test('cachet check and the probes fail on a broken copy of a shipped config or probe', async (t) => {
  const origin = await startOrigin(t);
  const root = copyTree(t);
  const composeConfig = join(root, 'deploy/compose/cachet.yaml');
  writeFileSync(composeConfig, readFileSync(composeConfig, 'utf8').replace('maxBytes: 128MiB', 'maxBytes: lots'));
  const deployment = join(root, KUBERNETES_DIR, 'deployment.yaml');
  writeFileSync(deployment, readFileSync(deployment, 'utf8').replace('path: /readyz', 'path: /healthz'));
  const { configs, probePaths } = inspectAll(root);
  const broken = configs.filter((config) => config.label === 'deploy/compose/cachet.yaml');
  const failures = await checkWithCli(broken);
  assert.equal(failures.length, 1);
  assert.match(failures[0] ?? '', /^deploy\/compose\/cachet\.yaml: cachet check failed: .*store\.memory\.maxBytes/s);
  const unbroken = configs.filter((config) => config.label === 'deploy/docker/cachet.yaml');
  assert.deepEqual(await askProbes(unbroken, probePaths, origin.url), [
    'deploy/docker/cachet.yaml: GET /healthz on the admin API answered 401',
  ]);
});

/** The deploy files and .dockerignore copied, everything else of the repository linked: safe to break. */
function copyTree(t: import('node:test').TestContext): string {
  const root = mkdtempSync(join(tmpdir(), 'cachet-deploy-tree-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const entry of readdirSync(ROOT)) {
    if (entry === 'node_modules' || entry === '.git') continue;
    if (entry === 'deploy' || entry === '.dockerignore') cpSync(join(ROOT, entry), join(root, entry), { recursive: true });
    else symlinkSync(join(ROOT, entry), join(root, entry));
  }
  return root;
}

function listFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}
