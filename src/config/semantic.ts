import { isIP } from 'node:net';
import { CONFIG_DEFAULTS } from './schema.ts';
import { describeValue, type ConfigIssue, type ConfigPath } from './issues.ts';
import { isRecord, NAME, TOKEN, type Data, type Report } from './rules.ts';
import { checkAuthSection, hasProviders } from './semantic-auth.ts';
import { checkRoutes } from './semantic-routes.ts';
import { checkRoutePolicies } from './semantic-route-policy.ts';
import { checkRateLimits } from './semantic-rate-limits.ts';

/** RFC 8941 §3.3.4 sf-token, which RFC 9211 §2 uses for the cache name. */
const SF_TOKEN = /^[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * Rules a JSON schema cannot say well: references between sections, URL and path forms, IP ranges, key
 * material. Each check looks only at values of the right type, so shape errors the schema already reported
 * are not repeated here.
 */
export function checkSemantics(config: unknown): ConfigIssue[] {
  if (!isRecord(config)) return [];
  const issues: ConfigIssue[] = [];
  const report = (path: ConfigPath, message: string): void => {
    issues.push({ path, message });
  };

  checkListeners(config, report);
  checkStore(config['store'], report);
  const upstreamNames = checkUpstreams(config['upstreams'], report);
  checkRoutes(config['routes'], upstreamNames, hasProviders(config['auth']), report);
  checkRoutePolicies(config['routes'], config['auth'], report);
  checkAuthSection(config['auth'], report);
  checkNames(config, report);
  checkRateLimits(config, report);
  return issues;
}

function checkListeners(config: Data, report: Report): void {
  const listen = isRecord(config['listen']) ? config['listen'] : {};
  const admin = config['admin'];
  checkHost(listen['host'], ['listen', 'host'], report);
  // RFC 9113 §3.3: cleartext HTTP/2 (h2c with prior knowledge) is not offered; browsers speak HTTP/2 over TLS only.
  if (listen['http2'] === true && listen['tls'] === undefined) {
    report(
      ['listen', 'http2'],
      'needs listen.tls: HTTP/2 is offered over TLS only (h2c is not supported), expected listen.tls { cert, key }',
    );
  }
  if (!isRecord(admin)) return;
  checkHost(admin['host'], ['admin', 'host'], report);
  const listenPort = listen['port'] ?? CONFIG_DEFAULTS.listen.port;
  const adminPort = admin['port'] ?? CONFIG_DEFAULTS.admin.port;
  if (typeof adminPort === 'number' && adminPort !== 0 && adminPort === listenPort) {
    report(['admin', 'port'], `must differ from listen.port (both are ${adminPort}), expected another port or 0 for any free port`);
  }
}

function checkHost(host: unknown, path: ConfigPath, report: Report): void {
  if (typeof host !== 'string' || host === '' || isIP(host) !== 0 || HOSTNAME.test(host)) return;
  const hint = host.startsWith('[') ? ' (IPv6 addresses are written without brackets, e.g. ::1)' : '';
  report(path, `must be an IP address or a host name${hint} (got ${describeValue(host)})`);
}

function checkStore(store: unknown, report: Report): void {
  if (!isRecord(store)) return;
  if (store['type'] === 'redis') checkRedisStore(store, report);
  const { maxBytes, maxObjectBytes } = store;
  if (typeof maxBytes === 'number' && typeof maxObjectBytes === 'number' && maxObjectBytes > maxBytes) {
    report(
      ['store', 'maxObjectBytes'],
      `must not exceed store.maxBytes (${maxBytes}), expected at most ${maxBytes} (got ${maxObjectBytes})`,
    );
  }
}

function checkRedisStore(store: Data, report: Report): void {
  const { url, cluster } = store;
  if (url === undefined && cluster === undefined) {
    report(['store'], 'a redis store needs url (one server) or cluster (seed nodes of a Redis Cluster)');
    return;
  }
  if (url !== undefined && cluster !== undefined) report(['store', 'cluster'], 'give either url or cluster, not both');
  if (typeof url === 'string') checkRedisUrl(url, ['store', 'url'], report);
  if (!Array.isArray(cluster)) return;
  for (const [i, node] of cluster.entries()) if (typeof node === 'string') checkRedisUrl(node, ['store', 'cluster', i], report);
}

function checkRedisUrl(url: string, path: ConfigPath, report: Report): void {
  if (!URL.canParse(url)) return;
  const protocol = new URL(url).protocol;
  if (protocol !== 'redis:' && protocol !== 'rediss:') report(path, `must be a redis:// or rediss:// URL (got ${describeValue(url)})`);
}

function checkUpstreams(upstreams: unknown, report: Report): Set<string> {
  const names = new Set<string>();
  if (!isRecord(upstreams)) return names;
  for (const [name, upstream] of Object.entries(upstreams)) {
    names.add(name);
    if (!NAME.test(name))
      report(
        ['upstreams', name],
        'is not a valid upstream name, expected letters, digits, ".", "_" and "-", starting with a letter or digit',
      );
    if (!isRecord(upstream)) continue;
    const targets = upstream['targets'];
    if (Array.isArray(targets)) {
      const seen = new Set<string>();
      targets.forEach((target: unknown, index) => {
        if (typeof target !== 'string') return;
        const path = ['upstreams', name, 'targets', index];
        const problem = findOriginProblem(target);
        if (problem !== undefined)
          report(path, `${problem}, expected an http(s) origin such as http://127.0.0.1:3001 (got ${describeValue(target)})`);
        else if (seen.has(new URL(target).origin)) report(path, `repeats an earlier target (${new URL(target).origin})`);
        else seen.add(new URL(target).origin);
      });
    }
    const healthCheck = upstream['healthCheck'];
    if (isRecord(healthCheck) && typeof healthCheck['path'] === 'string' && !/^\/\S*$/.test(healthCheck['path'])) {
      report(
        ['upstreams', name, 'healthCheck', 'path'],
        `must be a path starting with / and without spaces, such as /health (got ${describeValue(healthCheck['path'])})`,
      );
    }
  }
  return names;
}

/** Explains why `text` is not a bare http(s) origin, or answers undefined when it is one. */
export function findOriginProblem(text: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) return 'is missing its scheme (http:// or https://)';
  if (!URL.canParse(text)) return 'is not a URL';
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `has scheme ${url.protocol.slice(0, -1)}`;
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || /[?#]/.test(text)) return 'must not have a path, query or fragment';
  return undefined;
}

function checkNames(config: Data, report: Report): void {
  const cache = isRecord(config['cache']) ? config['cache'] : {};
  const proxy = isRecord(config['proxy']) ? config['proxy'] : {};
  const field = cache['targetedField'];
  if (typeof field === 'string' && field !== '' && !TOKEN.test(field)) {
    report(['cache', 'targetedField'], `must be a field name (RFC 9110 §5.1), such as cdn-cache-control (got ${describeValue(field)})`);
  }
  const name = cache['name'];
  if (typeof name === 'string' && name !== '' && !SF_TOKEN.test(name)) {
    report(['cache', 'name'], `must be a token for Cache-Status (RFC 9211 §2), such as cachet (got ${describeValue(name)})`);
  }
  const via = proxy['via'];
  if (typeof via === 'string' && via !== '' && !TOKEN.test(via)) {
    report(['proxy', 'via'], `must be a token for Via (RFC 9110 §7.6.3), such as cachet (got ${describeValue(via)})`);
  }
  const trusted = proxy['trustedProxies'];
  if (Array.isArray(trusted)) {
    trusted.forEach((entry: unknown, index) => {
      if (typeof entry === 'string' && entry !== '' && !isIpOrCidr(entry)) {
        report(
          ['proxy', 'trustedProxies', index],
          `must be an IP address or CIDR range such as 10.0.0.0/8 or ::1 (got ${describeValue(entry)})`,
        );
      }
    });
  }
}

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`. */
function isIpOrCidr(text: string): boolean {
  const [address = '', prefix, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
