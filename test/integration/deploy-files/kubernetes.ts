import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createFindings, listConfigPorts, readShippedConfig, type Findings } from './findings.ts';
import { readConfigArgument, readYaml, readYamlDocuments } from './read.ts';

export const KUBERNETES_DIR = 'deploy/kubernetes';

interface Resource {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly [field: string]: unknown;
}

interface Port {
  readonly name?: string;
  readonly containerPort: number;
}

interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: string | number };
}

interface Container {
  readonly args?: readonly string[];
  readonly ports?: readonly Port[];
  readonly env?: readonly { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly lifecycle?: { preStop?: { exec?: { command: readonly string[] }; sleep?: { seconds: number } } };
  readonly securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  readonly volumeMounts?: readonly { name: string; mountPath: string }[];
}

interface PodSpec {
  readonly containers: readonly Container[];
  readonly volumes?: readonly { name: string; configMap?: { name: string } }[];
  readonly securityContext?: { runAsNonRoot?: boolean };
  readonly terminationGracePeriodSeconds?: number;
}

interface Deployment extends Resource {
  readonly spec: { replicas?: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

interface Service extends Resource {
  readonly spec: { selector: Record<string, string>; ports: readonly { port: number; targetPort: string | number }[] };
}

type ConfigMap = Resource & { readonly data: Record<string, string> };
type Secret = Resource & { readonly stringData: Record<string, string> };

/**
 * The manifests: the kustomization lists files that exist; the Deployment's config comes from the ConfigMap it
 * mounts, with its variables from the example Secret; ports, probes and the Service's target are the config's; the
 * grace period outlasts the preStop pause plus the drain; pods run as non-root on a read-only root filesystem.
 */
export function inspectKubernetes(root: string): Findings {
  const findings = createFindings();
  const { problems } = findings;
  const directory = join(root, KUBERNETES_DIR);
  const kustomization = readYaml(join(directory, 'kustomization.yaml')) as { resources: readonly string[] };
  for (const file of kustomization.resources) {
    if (!existsSync(join(directory, file))) problems.push(`${KUBERNETES_DIR}/kustomization.yaml: lists ${file}, which does not exist`);
  }
  const resources = readdirSync(directory)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) => readYamlDocuments(join(directory, file)).map((resource) => ({ file, resource: resource as Resource })));
  const find = <T extends Resource>(kind: string, name?: string): { file: string; resource: T } | undefined =>
    resources.find((entry) => entry.resource.kind === kind && (name === undefined || entry.resource.metadata.name === name)) as
      | { file: string; resource: T }
      | undefined;

  const deployment = find<Deployment>('Deployment')?.resource;
  const container = deployment?.spec.template.spec.containers[0];
  if (deployment === undefined || container === undefined) {
    problems.push(`${KUBERNETES_DIR}: no Deployment with a container`);
    return findings;
  }
  const pod = deployment.spec.template.spec;
  if ((deployment.spec.replicas ?? 1) < 2)
    problems.push(`${KUBERNETES_DIR}: the Deployment runs ${deployment.spec.replicas ?? 1} replica(s)`);
  if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${KUBERNETES_DIR}: the pod may run as root (runAsNonRoot)`);
  if (container.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${KUBERNETES_DIR}: the root filesystem is writable`);

  // The config: the --config argument, under the mount of a ConfigMap volume.
  const configPath = readConfigArgument(container.args ?? []) ?? '';
  const mount = container.volumeMounts?.find((candidate) => configPath.startsWith(`${candidate.mountPath}/`));
  const configMapName = pod.volumes?.find((volume) => volume.name === mount?.name)?.configMap?.name;
  const configMap = configMapName === undefined ? undefined : find<ConfigMap>('ConfigMap', configMapName);
  const key = mount === undefined ? '' : configPath.slice(mount.mountPath.length + 1);
  const text = configMap?.resource.data[key];
  if (configMap === undefined || text === undefined) {
    problems.push(`${KUBERNETES_DIR}: --config ${configPath} is no key of a mounted ConfigMap`);
    return findings;
  }
  const env = readContainerEnv(container, (name) => find<Secret>('Secret', name)?.resource, problems);
  const config = readShippedConfig(findings, { label: `${KUBERNETES_DIR}/${configMap.file}: ${key}`, text, env });
  if (config === undefined) return findings;

  const portNumber = (port: string | number | undefined): number | undefined =>
    typeof port === 'number' ? port : container.ports?.find((candidate) => candidate.name === port)?.containerPort;
  const declared = (container.ports ?? []).map((port) => port.containerPort);
  if (declared.join(',') !== listConfigPorts(config).join(',')) {
    problems.push(`${KUBERNETES_DIR}: container ports ${declared.join(' ')}, the config listens on ${listConfigPorts(config).join(' ')}`);
  }
  for (const [name, probe, path] of [
    ['livenessProbe', container.livenessProbe, '/livez'],
    ['readinessProbe', container.readinessProbe, '/readyz'],
  ] as const) {
    const get = probe?.httpGet;
    if (get?.path !== path) problems.push(`${KUBERNETES_DIR}: ${name} asks ${get?.path ?? 'nothing'}, expected ${path}`);
    if (portNumber(get?.port) !== config.admin?.port)
      problems.push(`${KUBERNETES_DIR}: ${name} asks port ${get?.port}, the admin API is on ${config.admin?.port}`);
    if (get !== undefined) findings.probePaths.push(get.path);
  }
  const service = find<Service>('Service')?.resource;
  const labels = deployment.spec.template.metadata.labels;
  if (service === undefined || Object.entries(service.spec.selector).some(([label, value]) => labels[label] !== value)) {
    problems.push(`${KUBERNETES_DIR}: no Service selects the Deployment's pods`);
  } else if (service.spec.ports.some((port) => portNumber(port.targetPort) !== config.listen.port)) {
    problems.push(
      `${KUBERNETES_DIR}: the Service targets ${service.spec.ports.map((port) => port.targetPort).join(' ')}, not the proxy port ${config.listen.port}`,
    );
  }
  const pauseSec = readPreStopPauseSec(container);
  const drainSec = config.shutdown.drainTimeoutMs / 1000;
  const graceSec = pod.terminationGracePeriodSeconds ?? 30;
  if (graceSec <= pauseSec + drainSec) {
    problems.push(
      `${KUBERNETES_DIR}: terminationGracePeriodSeconds ${graceSec} is not above the preStop pause (${pauseSec} s) plus the drain (${drainSec} s)`,
    );
  }
  if (pauseSec === 0) problems.push(`${KUBERNETES_DIR}: no preStop pause before the drain`);
  return findings;
}

/** The container's environment, values from Secrets read from the example Secret's `stringData`. */
function readContainerEnv(
  container: Container,
  findSecret: (name: string) => Secret | undefined,
  problems: string[],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    const value = ref === undefined ? variable.value : findSecret(ref.name)?.stringData[ref.key];
    if (value === undefined)
      problems.push(`${KUBERNETES_DIR}: ${variable.name} comes from ${ref?.name}/${ref?.key}, which no Secret example holds`);
    else env[variable.name] = value;
  }
  return env;
}

function readPreStopPauseSec(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep !== undefined) return preStop.sleep.seconds;
  const [command, seconds] = preStop?.exec?.command ?? [];
  return command === 'sleep' ? Number(seconds) : 0;
}
