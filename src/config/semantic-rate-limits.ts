import { describeValue } from './issues.ts';
import { isRecord, NAME, stringsOf, TOKEN, type Data, type Report } from './rules.ts';

/**
 * Rules for `rateLimits` and the routes' `rateLimit`: policy names, the `by` forms, the names a route gives,
 * and whether the route can supply what a policy counts by. A policy counting by subject or claim on a route
 * that never authenticates would count every client as one: refused, never guessed.
 */
export function checkRateLimits(config: Data, report: Report): void {
  const policies = isRecord(config['rateLimits']) ? config['rateLimits'] : {};
  for (const [name, policy] of Object.entries(policies)) {
    if (!NAME.test(name)) {
      report(
        ['rateLimits', name],
        'is not a valid policy name, expected letters, digits, ".", "_" and "-", starting with a letter or digit',
      );
    }
    if (!isRecord(policy)) continue;
    const by = policy['by'];
    if (typeof by === 'string' && by !== '') {
      const problem = findByProblem(by);
      if (problem !== undefined) report(['rateLimits', name, 'by'], `${problem} (got ${describeValue(by)})`);
    }
    const { limit, localLimit, windowSec } = policy;
    // GCRA counts in whole microseconds (see rate-limit/gcra.ts).
    if (typeof limit === 'number' && typeof windowSec === 'number' && limit > windowSec * 1_000_000) {
      report(
        ['rateLimits', name, 'limit'],
        `must be at most one request per microsecond of the window (${windowSec * 1_000_000}) (got ${limit})`,
      );
    }
    if (typeof limit === 'number' && typeof localLimit === 'number' && localLimit > limit) {
      report(['rateLimits', name, 'localLimit'], `must not exceed limit (${limit}): it is one process's share of it (got ${localLimit})`);
    }
  }
  if (Array.isArray(config['routes'])) {
    config['routes'].forEach((route: unknown, index) => {
      if (isRecord(route)) checkRouteRateLimit(route, index, policies, report);
    });
  }
}

function checkRouteRateLimit(route: Data, index: number, policies: Data, report: Report): void {
  const given = route['rateLimit'];
  const names = typeof given === 'string' ? [given] : stringsOf(given);
  const known = Object.keys(policies);
  const auth = route['auth'] ?? 'none';
  names.forEach((name, i) => {
    const at = typeof given === 'string' ? ['routes', index, 'rateLimit'] : ['routes', index, 'rateLimit', i];
    if (name === '') return;
    if (!Object.hasOwn(policies, name)) {
      const expected = known.length === 0 ? 'a policy of a rateLimits section' : `one of ${known.join(', ')}`;
      report(at, `names no rate limit policy, expected ${expected} (got ${describeValue(name)})`);
      return;
    }
    const policy = policies[name];
    const by = isRecord(policy) ? policy['by'] : undefined;
    if (auth !== 'none' || typeof by !== 'string' || !(by === 'subject' || by.startsWith('claim:'))) return;
    report(
      at,
      `policy ${name} counts by ${by}, which a route with auth: none never has (every client would share one limit), expected auth: jwt (or optional) on this route, or a policy by ip or header:<name>`,
    );
  });
}

/** `subject`, `ip`, `header:<field name>`, `claim:<claim name>`. */
function findByProblem(by: string): string | undefined {
  const expected = 'must be subject, ip, header:<name> or claim:<name>';
  if (by === 'subject' || by === 'ip') return undefined;
  const colon = by.indexOf(':');
  const kind = colon === -1 ? by : by.slice(0, colon);
  const name = colon === -1 ? '' : by.slice(colon + 1);
  if (kind === 'header') return TOKEN.test(name) ? undefined : `${expected}, with a field name (RFC 9110 §5.1) after header:`;
  if (kind === 'claim') return name === '' ? `${expected}, with a claim name after claim:` : undefined;
  return expected;
}
