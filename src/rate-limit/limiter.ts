import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { RateLimitPolicyConfig, RouteConfig } from '../config/types.ts';
import type { ForwardedIdentity } from '../forward/exchange.ts';
import { createClientAddressResolver } from '../forward/forwarded.ts';
import type { Logger } from '../observability/logger.ts';
import type { RedisConnection } from '../redis/connection.ts';
import { createClientIdentifier, type ClientIdentifier } from './client-key.ts';
import { formatPolicyItem, formatStateItem, formatStatePrefix, toSecondsUp } from './fields.ts';
import { createGcraRate, fullAfterUs, isWithinLimit, remainingAfter, retryAfterUs, type GcraRate } from './gcra.ts';
import { LocalLimiter } from './local-limiter.ts';
import { registerRateLimitMetrics, type PolicyCounts } from './metrics.ts';
import { createRemoteGroup, createRemoteLimiter, type RemoteGroup, type RemoteJudgement, type RemoteLimiter } from './redis-limiter.ts';
import { TimeTable } from './time-table.ts';
import { setOnWriteHead } from '../server/gateway-response.ts';

/** Clients one policy tracks in this process (TATs, or refused-until times); past it the oldest are forgotten. */
const MAX_CLIENTS_PER_POLICY = 100_000;
/** Retry-After when a policy with `onStoreError: deny` cannot ask the store: about when its circuit probes again. */
const UNCHECKED_RETRY_AFTER_SEC = 1;

export interface RateLimiterDeps {
  readonly policies: Readonly<Record<string, RateLimitPolicyConfig>>;
  readonly routes: readonly RouteConfig[];
  /** `proxy.trustedProxies`: behind them, `by: ip` counts the address they forwarded for. */
  readonly trustedProxies: readonly string[];
  /** The shared store's connection and key prefix; absent with the memory store, where each process counts alone. */
  readonly shared?: { readonly redis: RedisConnection; readonly keyPrefix: string };
  readonly registry: Registry;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly maxClientsPerPolicy?: number;
}

/** An admitted request: the fields its response carries, whichever way it is answered. */
export interface RateLimitAdmission {
  readonly admitted: true;
  /** RateLimit-Policy: every policy of the route. */
  readonly policyField: string;
  /** RateLimit: the policies whose state is known (all but `onStoreError: allow` ones while the store is down). */
  readonly stateField: string | undefined;
  /** The same two fields as `name: value\r\n` lines, for a head written in one piece. */
  readonly headLines: string;
}

/** A refused request: answered 429 at the edge, never forwarded. */
export interface RateLimitRefusal {
  readonly admitted: false;
  readonly code: 'CACHET_ERR_RATE_LIMITED' | 'CACHET_ERR_RATE_LIMIT_UNCHECKED';
  readonly detail: string;
  /** Retry-After (RFC 9110 §10.2.3), RateLimit-Policy and, for the policies that refused, RateLimit. */
  readonly headers: Readonly<Record<string, string>>;
}

export type RateLimitVerdict = RateLimitAdmission | RateLimitRefusal;

export interface RateLimiter {
  /**
   * Judges a request on a route that names policies, after authentication (so `subject` is the verified one).
   * Synchronous when decided in process (the memory store, a client already known to be over its limit);
   * otherwise one Redis round trip. Never rejects: a store failure is each policy's `onStoreError`.
   */
  check(route: RouteConfig, req: IncomingMessage, identity: ForwardedIdentity | undefined): RateLimitVerdict | Promise<RateLimitVerdict>;
}

/** A policy as the limiter runs it; shared by every route that names it, so they draw on one budget. */
interface Policy {
  readonly config: RateLimitPolicyConfig;
  readonly identify: ClientIdentifier;
  readonly statePrefix: string;
  readonly counts: PolicyCounts;
  /** The memory store's limiter; with Redis, the one that counts `localLimit` while Redis is unavailable. */
  readonly local: LocalLimiter;
  /** With Redis: the GCRA rate Redis counts against. */
  readonly rate: GcraRate;
  /** With Redis: clients Redis refused, until when; asked again only once that has passed. */
  readonly refusedUntil: TimeTable;
}

/** Policies of one route that count the same identity: with Redis, one script call. */
interface Group {
  readonly policies: readonly Policy[];
  readonly identify: ClientIdentifier;
  readonly remote: RemoteGroup;
}

interface Gate {
  readonly policies: readonly Policy[];
  /** The route's policy when it has just one. */
  readonly only: Policy | undefined;
  readonly groups: readonly Group[];
  readonly policyField: string;
  /** `ratelimit-policy: …\r\n`. */
  readonly policyLine: string;
}

/** What one policy made of one request. */
type Outcome =
  | { readonly policy: Policy; readonly kind: 'counted'; readonly aheadUs: number; readonly rate: GcraRate }
  | { readonly policy: Policy; readonly kind: 'refused'; readonly retryUs: number; readonly rate: GcraRate }
  | { readonly policy: Policy; readonly kind: 'unknown' }
  | { readonly policy: Policy; readonly kind: 'unchecked' };

/**
 * Builds the rate limiter of a gateway: GCRA per policy and client, counted in Redis when the store is shared
 * (every instance sees the same counts; see `redis-limiter.ts`), else in this process.
 */
export function createRateLimiter(deps: RateLimiterDeps): RateLimiter {
  const { clock, logger } = deps;
  const maxClients = deps.maxClientsPerPolicy ?? MAX_CLIENTS_PER_POLICY;
  const addressOf = createClientAddressResolver(deps.trustedProxies);
  const counts = registerRateLimitMetrics(deps.registry, Object.keys(deps.policies));
  const remote: RemoteLimiter | undefined = deps.shared && createRemoteLimiter(deps.shared.redis, deps.shared.keyPrefix);
  let degraded = false;

  const policies = new Map<string, Policy>();
  for (const config of Object.values(deps.policies)) {
    const local = new LocalLimiter(remote === undefined ? config.limit : config.localLimit, config.windowSec, maxClients);
    policies.set(config.name, {
      config,
      identify: createClientIdentifier(config.by, addressOf),
      statePrefix: formatStatePrefix(config.name),
      counts: counts.get(config.name) as PolicyCounts,
      local,
      rate: remote === undefined ? local.rate : createGcraRate(config.limit, config.windowSec),
      refusedUntil: new TimeTable(maxClients),
    });
  }
  const gates = new Map<RouteConfig, Gate>();
  for (const route of deps.routes) {
    if (route.rateLimit !== undefined) gates.set(route, createGate(route.rateLimit.map((name) => policies.get(name) as Policy)));
  }

  function judgeInProcess(gate: Gate, req: IncomingMessage, identity: ForwardedIdentity | undefined, now: number): RateLimitVerdict {
    if (gate.only !== undefined) return judgeOneInProcess(gate, gate.only, req, identity, now);
    const clients = gate.policies.map((policy) => policy.identify(req, identity));
    return settle(gate, judgeLocally(gate.policies, clients, now));
  }

  function judgeShared(
    gate: Gate,
    req: IncomingMessage,
    identity: ForwardedIdentity | undefined,
    now: number,
    limiter: RemoteLimiter,
  ): RateLimitVerdict | Promise<RateLimitVerdict> {
    const clients = gate.groups.map((group) => group.identify(req, identity));
    // Over the limit only decays with time, whoever counts: a refusal Redis gave holds without asking it again.
    const known: Outcome[] = [];
    gate.groups.forEach((group, i) => {
      for (const policy of group.policies) {
        const until = policy.refusedUntil.get(clients[i] as string, now);
        if (until !== undefined) known.push({ policy, kind: 'refused', retryUs: until - now, rate: policy.rate });
      }
    });
    if (known.length > 0) return settle(gate, known);
    const asked = gate.groups.map((group, i) => {
      const client = clients[i] as string;
      return limiter.take(client, group.remote).then(
        (judgement) => fromRemote(group, client, judgement, now),
        (err: unknown) => fromFallback(group, client, err),
      );
    });
    if (asked.length === 1) return (asked[0] as Promise<Outcome[]>).then((outcomes) => settle(gate, outcomes));
    return Promise.all(asked).then((outcomes) => settle(gate, outcomes.flat()));
  }

  function fromRemote(group: Group, client: string, judgement: RemoteJudgement, now: number): Outcome[] {
    if (degraded) {
      degraded = false;
      logger.info('rate limits counted on redis again');
    }
    return group.policies.map((policy, i): Outcome => {
      const aheadUs = judgement.aheads[i] ?? 0;
      if (judgement.admitted || isWithinLimit(aheadUs, policy.rate)) {
        return judgement.admitted ? { policy, kind: 'counted', aheadUs, rate: policy.rate } : { policy, kind: 'unknown' };
      }
      const retryUs = retryAfterUs(aheadUs, policy.rate);
      policy.refusedUntil.set(client, now + retryUs, now);
      return { policy, kind: 'refused', retryUs, rate: policy.rate };
    });
  }

  function fromFallback(group: Group, client: string, err: unknown): Outcome[] {
    if (!degraded) {
      degraded = true;
      logger.warn({ err }, 'rate limits checked without redis: each policy applies its onStoreError (allow, deny or local)');
    }
    const outcomes: Outcome[] = [];
    const counting: Policy[] = [];
    for (const policy of group.policies) {
      const mode = policy.config.onStoreError;
      policy.counts.storeErrors[mode]++;
      if (mode === 'allow') outcomes.push({ policy, kind: 'unknown' });
      else if (mode === 'deny') outcomes.push({ policy, kind: 'unchecked' });
      else counting.push(policy);
    }
    if (counting.length === 0) return outcomes;
    const denied = outcomes.some((outcome) => outcome.kind === 'unchecked');
    return outcomes.concat(
      judgeLocally(
        counting,
        counting.map(() => client),
        clock.now() * 1000,
        !denied,
      ),
    );
  }

  return {
    check(route, req, identity) {
      const gate = gates.get(route);
      if (gate === undefined) throw new Error(`route ${route.path} has no rate limit`);
      // Microseconds: GCRA's arithmetic is exact in them (see gcra.ts).
      const now = clock.now() * 1000;
      return remote === undefined ? judgeInProcess(gate, req, identity, now) : judgeShared(gate, req, identity, now, remote);
    },
  };
}

/** The common case, a route with one policy in process, without the arrays and outcomes of the general one. */
function judgeOneInProcess(
  gate: Gate,
  policy: Policy,
  req: IncomingMessage,
  identity: ForwardedIdentity | undefined,
  now: number,
): RateLimitVerdict {
  const client = policy.identify(req, identity);
  const { local } = policy;
  const aheadUs = local.peek(client, now);
  const rate = local.rate;
  if (!isWithinLimit(aheadUs, rate)) return settle(gate, [{ policy, kind: 'refused', retryUs: retryAfterUs(aheadUs, rate), rate }]);
  local.commit(client, now, aheadUs);
  policy.counts.admitted++;
  const state = formatStateItem(policy.statePrefix, remainingAfter(aheadUs, rate), toSecondsUp(aheadUs));
  return { admitted: true, policyField: gate.policyField, stateField: state, headLines: `${gate.policyLine}ratelimit: ${state}\r\n` };
}

/**
 * Judges `policies` in this process: the request is counted by each only when every one admits it
 * (`mayCount` false: another policy already refused it, so none counts it).
 */
function judgeLocally(policies: readonly Policy[], clients: readonly string[], now: number, mayCount = true): Outcome[] {
  const outcomes: Outcome[] = [];
  let admitted = mayCount;
  policies.forEach((policy, i) => {
    const aheadUs = policy.local.peek(clients[i] as string, now);
    const rate = policy.local.rate;
    if (isWithinLimit(aheadUs, rate)) outcomes.push({ policy, kind: 'counted', aheadUs, rate });
    else {
      admitted = false;
      outcomes.push({ policy, kind: 'refused', retryUs: retryAfterUs(aheadUs, rate), rate });
    }
  });
  if (!admitted) return outcomes.map((outcome) => (outcome.kind === 'counted' ? { policy: outcome.policy, kind: 'unknown' } : outcome));
  outcomes.forEach((outcome, i) => {
    if (outcome.kind === 'counted') outcome.policy.local.commit(clients[i] as string, now, outcome.aheadUs);
  });
  return outcomes;
}

function createGate(policies: readonly Policy[]): Gate {
  const groups = new Map<string, Policy[]>();
  for (const policy of policies) {
    const by = policy.config.by;
    const key = by.kind === 'header' || by.kind === 'claim' ? `${by.kind}:${by.name}` : by.kind;
    groups.set(key, [...(groups.get(key) ?? []), policy]);
  }
  const policyField = policies.map((p) => formatPolicyItem(p.config.name, p.config.limit, p.config.windowSec)).join(', ');
  return {
    policies,
    only: policies.length === 1 ? policies[0] : undefined,
    groups: [...groups.values()].map((members) => ({
      policies: members,
      identify: (members[0] as Policy).identify,
      remote: createRemoteGroup(members.map((p) => ({ name: p.config.name, rate: p.rate }))),
    })),
    policyField,
    policyLine: `ratelimit-policy: ${policyField}\r\n`,
  };
}

/** The verdict from every policy's outcome: refused when any refused (or could not be checked and denies). */
function settle(gate: Gate, outcomes: readonly Outcome[]): RateLimitVerdict {
  let refusedRetryUs = -1;
  let unchecked = false;
  let refusedState = '';
  let state = '';
  for (const outcome of outcomes) {
    if (outcome.kind === 'refused') {
      const { policy, retryUs, rate } = outcome;
      policy.counts.refused++;
      if (retryUs > refusedRetryUs) refusedRetryUs = retryUs;
      const item = formatStateItem(policy.statePrefix, 0, toSecondsUp(fullAfterUs(retryUs, rate)));
      refusedState = refusedState === '' ? item : `${refusedState}, ${item}`;
    } else if (outcome.kind === 'unchecked') unchecked = true;
    else if (outcome.kind === 'counted') {
      const item = formatStateItem(outcome.policy.statePrefix, remainingAfter(outcome.aheadUs, outcome.rate), toSecondsUp(outcome.aheadUs));
      state = state === '' ? item : `${state}, ${item}`;
    }
  }
  if (refusedRetryUs >= 0) return refuse(gate, 'CACHET_ERR_RATE_LIMITED', refusedRetryUs, refusedState, outcomes);
  if (unchecked) return refuse(gate, 'CACHET_ERR_RATE_LIMIT_UNCHECKED', UNCHECKED_RETRY_AFTER_SEC * 1_000_000, '', outcomes);
  for (const outcome of outcomes) outcome.policy.counts.admitted++;
  return {
    admitted: true,
    policyField: gate.policyField,
    stateField: state === '' ? undefined : state,
    headLines: state === '' ? gate.policyLine : `${gate.policyLine}ratelimit: ${state}\r\n`,
  };
}

function refuse(
  gate: Gate,
  code: RateLimitRefusal['code'],
  retryUs: number,
  state: string,
  outcomes: readonly Outcome[],
): RateLimitRefusal {
  const retryAfterSec = Math.max(1, toSecondsUp(retryUs));
  const headers: Record<string, string> = { 'retry-after': String(retryAfterSec), 'ratelimit-policy': gate.policyField };
  if (state !== '') headers['ratelimit'] = state;
  if (code === 'CACHET_ERR_RATE_LIMIT_UNCHECKED') {
    for (const outcome of outcomes) if (outcome.kind === 'unchecked') outcome.policy.counts.refused++;
    return { admitted: false, code, detail: 'The rate limit cannot be checked right now; retry shortly.', headers };
  }
  const names = outcomes.filter((o) => o.kind === 'refused').map((o) => describePolicy(o.policy.config));
  return { admitted: false, code, detail: `Rate limit exceeded (${names.join('; ')}); retry in ${retryAfterSec} s.`, headers };
}

function describePolicy(policy: RateLimitPolicyConfig): string {
  return `${policy.name}: ${policy.limit} requests per ${policy.windowSec} s`;
}

/**
 * Puts an admitted request's RateLimit-Policy and RateLimit on its response, for every answer written with
 * `writeHead` (forwarded, problem, slow-path hits); answers the same as head lines for the hit fast path, which
 * writes its own head and so never pays for `setHeader`.
 */
export function setRateLimitFields(res: ServerResponse, admission: RateLimitAdmission): string {
  setOnWriteHead(res, (response) => {
    response.setHeader('ratelimit-policy', admission.policyField);
    if (admission.stateField !== undefined) response.setHeader('ratelimit', admission.stateField);
  });
  return admission.headLines;
}
