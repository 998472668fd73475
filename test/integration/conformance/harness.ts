import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { send, type SentResponse } from '../../helpers/http.ts';
import { startOrigin, type RecordedRequest } from '../../helpers/origin.ts';
import { startGateway } from '../../helpers/gateway.ts';
import { createManualClock } from '../../helpers/clock.ts';

/**
 * A declarative HTTP-cache conformance runner shaped like the independent cache-tests suite: each case is a
 * list of requests sent in order through `cachet` (a shared cache) to a scripted origin on 127.0.0.1, with
 * the suite's expectations per request (`cached`, `not_cached`, `validated`, `etag_validated`,
 * `lm_validated`), status, fields and body. Time is a manual clock shared by the gateway and the origin's
 * `Date`, so "pause" steps advance it instead of sleeping.
 */

/**
 * A field: a string value as is; a number of seconds relative to the shared clock, sent as an IMF-fixdate;
 * or a function of the clock (epoch ms), for other date formats.
 */
export type FieldValue = string | number | ((nowAt: number) => string);
export type Field = readonly [name: string, value: FieldValue];

export type Expectation = 'cached' | 'not_cached' | 'validated' | 'etag_validated' | 'lm_validated';

/** What the origin answers when a step's request reaches it. Default: 200, a `Date` of now, body `body-<step>`. */
export interface OriginAnswer {
  /** 304 is only sent to conditional requests (an unconditional one gets 200). */
  readonly status?: number;
  readonly headers?: readonly Field[];
  readonly body?: string;
  /** Send no Date field at all. */
  readonly noDate?: boolean;
}

export interface Step {
  readonly method?: string;
  /** Appended to the case's own path (`/conf/<id>`), e.g. `?q=1` or `/other`. */
  readonly path?: string;
  readonly headers?: readonly Field[];
  readonly body?: string;
  /** Seconds the shared clock advances before this request (the suite's `pause_after` on the previous one). */
  readonly pauseBeforeSec?: number;
  readonly response?: OriginAnswer;
  readonly expect?: Expectation;
  /** Client-visible status; defaults to the origin's status (not_cached) or the stored one (cached, validated). */
  readonly status?: number;
  /** Fields the client must see with exactly these values (repeated lines joined with ", "). */
  readonly responseHeaders?: readonly Field[];
  readonly presentHeaders?: readonly string[];
  readonly absentHeaders?: readonly string[];
  /** Body the client must get: a step index (that step's origin body), a literal, or 'skip'. */
  readonly expectBody?: number | string;
  /** Fields the origin must have received for this step (value, or `true` for "present"). */
  readonly originHeaders?: readonly (readonly [name: string, value: string | true])[];
  readonly absentOriginHeaders?: readonly string[];
  /** Milliseconds to wait after the response, for background work (stale-while-revalidate). */
  readonly settleMs?: number;
  /** Extra assertions. */
  readonly check?: (res: ClientResponse, run: CaseRun) => void | Promise<void>;
}

export interface ConformanceCase {
  /** The suite's test id where there is one, else a new one in its style. */
  readonly id: string;
  /** What is checked, citing the RFC section. */
  readonly name: string;
  readonly steps: readonly Step[];
  /** Gateway configuration merged over the test default. */
  readonly config?: Record<string, unknown>;
  /** Known cachet gap (orchestration): the test runs but is reported, not failed. */
  readonly todo?: string;
}

export type ClientResponse = SentResponse;

export interface CaseRun {
  /** Origin requests made for step `index`. */
  originRequests(index: number): RecordedRequest[];
  /** The field values the origin sent for step `index` (last answer), by lower-case name. */
  originSent(index: number): Record<string, string | string[]>;
  /** The gateway's `/metrics` line starting with `prefix`, if any. */
  metricLine(prefix: string): Promise<string | undefined>;
  readonly path: string;
}

const STEP_FIELD = 'x-conf-step';

/** Registers each case as one node:test test. */
export function defineCases(cases: readonly ConformanceCase[]): void {
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate conformance id ${c.id}`);
    ids.add(c.id);
    test(`${c.id}: ${c.name}`, c.todo === undefined ? {} : { todo: c.todo }, (t) => runCase(t, c));
  }
}

/** A unique, suite-like body for step `index`. */
export function bodyOf(index: number): string {
  return `body-${index}`;
}

async function runCase(t: TestContext, c: ConformanceCase): Promise<void> {
  const clock = createManualClock(Math.floor(Date.now() / 1000) * 1000);
  const path = `/conf/${c.id}`;
  const sent = new Map<number, Record<string, string | string[]>>();
  const sentStatus = new Map<number, number>();
  /** Per origin path: validators and body of the last complete (not 304, not 206) GET answer. */
  const lastFull = new Map<string, { etag?: string; lastModified?: string; body: string; status: number }>();

  const origin = await startOrigin(t, (req, res) => {
    const index = Number(req.headers[STEP_FIELD]);
    const step = c.steps[index];
    const answer = step?.response ?? {};
    const headers = (answer.headers ?? []).map(([name, value]) => [name, resolveValue(value, clock.now())] as const);
    const previous = lastFull.get(req.url ?? '');
    const isConditional = req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;
    // A scripted 304 answers conditional requests only; a validated step answers 304 when the validators match.
    let status = answer.status === 304 && !isConditional ? 200 : (answer.status ?? 200);
    if (step?.expect?.endsWith('validated') === true && previous !== undefined && isConditionalMatch(req, previous)) status = 304;
    // A HEAD answer declares the length the GET body would have (RFC 9110 §9.3.2) and sends none.
    const body = status === 304 || status === 204 ? '' : (answer.body ?? bodyOf(index));
    sentStatus.set(index, status);
    sent.set(index, writeAnswer(res, status, headers, body, answer.noDate === true, req.method === 'HEAD', clock.now()));
    if (req.method === 'GET' && status !== 304 && status !== 206) {
      lastFull.set(req.url ?? '', { etag: findField(headers, 'etag'), lastModified: findField(headers, 'last-modified'), body, status });
    }
  });
  const { url, gateway } = await startGateway(t, [origin.url], c.config ?? {}, clock);

  const run: CaseRun = {
    path,
    originRequests: (index) => origin.requests.filter((r) => r.headers[STEP_FIELD] === String(index)),
    originSent: (index) => sent.get(index) ?? {},
    metricLine: async (prefix) => (await gateway.metrics.render()).split('\n').find((line) => line.startsWith(prefix)),
  };

  for (let index = 0; index < c.steps.length; index++) {
    const step = c.steps[index] as Step;
    if (step.pauseBeforeSec !== undefined) clock.advance(step.pauseBeforeSec * 1000);
    const method = step.method ?? 'GET';
    const stepPath = path + (step.path ?? '');
    const before = lastFull.get(stepPath);
    const res = await sendRequest(`${url}${stepPath}`, method, index, step, clock.now());
    if (step.settleMs !== undefined) await new Promise((resolve) => setTimeout(resolve, step.settleMs));
    const where = `step ${index} (${method} ${stepPath})`;
    const seen = run.originRequests(index);

    switch (step.expect) {
      case undefined:
        break;
      case 'cached':
        assert.equal(seen.length, 0, `${where}: expected a cache hit, the origin saw ${seen.length} request(s)`);
        break;
      case 'not_cached':
        assert.equal(seen.length, 1, `${where}: expected exactly one origin request, saw ${seen.length}`);
        break;
      default: {
        assert.equal(seen.length, 1, `${where}: expected one conditional origin request, saw ${seen.length}`);
        const h = (seen[0] as RecordedRequest).headers;
        const hasInm = h['if-none-match'] !== undefined;
        const hasIms = h['if-modified-since'] !== undefined;
        if (step.expect === 'etag_validated') assert.ok(hasInm, `${where}: expected If-None-Match at the origin`);
        else if (step.expect === 'lm_validated') assert.ok(hasIms, `${where}: expected If-Modified-Since at the origin`);
        else assert.ok(hasInm || hasIms, `${where}: expected a conditional request at the origin`);
      }
    }

    const expectedStatus = step.status ?? defaultStatus(step, before, sentStatus.get(index));
    if (expectedStatus !== undefined) assert.equal(res.status, expectedStatus, `${where}: status`);

    for (const [name, value] of step.responseHeaders ?? []) {
      assert.equal(res.header(name), resolveValue(value, clock.now()), `${where}: response field ${name}`);
    }
    for (const name of step.presentHeaders ?? []) assert.notEqual(res.header(name), undefined, `${where}: response field ${name} missing`);
    for (const name of step.absentHeaders ?? [])
      assert.equal(res.header(name), undefined, `${where}: response field ${name} must be absent`);

    for (const [name, value] of step.originHeaders ?? []) {
      assert.ok(seen.length > 0, `${where}: no origin request to check ${name} on`);
      const got = joinValue((seen[0] as RecordedRequest).headers[name]);
      if (value === true) assert.notEqual(got, undefined, `${where}: origin did not get ${name}`);
      else assert.equal(got, value, `${where}: origin field ${name}`);
    }
    for (const name of step.absentOriginHeaders ?? []) {
      for (const r of seen) assert.equal(r.headers[name], undefined, `${where}: origin must not get ${name}`);
    }

    const expectedBody = resolveExpectedBody(step, res, lastFull.get(stepPath), before, method);
    if (expectedBody !== undefined) assert.equal(res.text, expectedBody, `${where}: body`);
    await step.check?.(res, run);
  }
}

type Answered = { readonly body: string; readonly status: number };

/** not_cached: what the origin answered; a hit or a validated answer: the status stored before this step. */
function defaultStatus(step: Step, before: Answered | undefined, originStatus: number | undefined): number | undefined {
  if (step.expect === undefined) return undefined;
  return step.expect === 'not_cached' ? originStatus : before?.status;
}

function resolveExpectedBody(
  step: Step,
  res: ClientResponse,
  full: Answered | undefined,
  before: Answered | undefined,
  method: string,
): string | undefined {
  if (typeof step.expectBody === 'number') return bodyOf(step.expectBody);
  if (step.expectBody === 'skip') return undefined;
  if (typeof step.expectBody === 'string') return step.expectBody;
  if (step.expect === undefined || method !== 'GET' || res.status === 304 || res.status === 204) return undefined;
  if (step.expect === 'not_cached') return full?.body;
  // A hit or a 304-validated answer carries the body stored before this step (unless the step expects another status).
  if (step.status !== undefined && step.status !== before?.status) return undefined;
  return before?.body;
}

async function sendRequest(target: string, method: string, index: number, step: Step, now: number): Promise<ClientResponse> {
  const fields: Array<readonly [string, string]> = (step.headers ?? []).map(([name, value]) => [name, resolveValue(value, now)] as const);
  fields.push([STEP_FIELD, String(index)]);
  return send(target, { method, headers: fields, body: step.body });
}

/** Writes the scripted answer; returns the fields sent, by lower-case name. */
function writeAnswer(
  res: http.ServerResponse,
  status: number,
  headers: readonly (readonly [string, string])[],
  body: string,
  noDate: boolean,
  isHead: boolean,
  now: number,
): Record<string, string | string[]> {
  const flat: string[] = [];
  let hasDate = false;
  let hasFraming = false;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'date') hasDate = true;
    if (lower === 'content-length' || lower === 'transfer-encoding') hasFraming = true;
    flat.push(name, value);
  }
  if (noDate) res.sendDate = false;
  else if (!hasDate) flat.push('Date', new Date(now).toUTCString());
  if (!hasFraming && status !== 304 && status !== 204 && !(status >= 100 && status < 200)) {
    flat.push('Content-Length', String(Buffer.byteLength(body)));
  }
  res.writeHead(status, flat);
  res.end(isHead ? undefined : body);
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const value = flat[i + 1] as string;
    const existing = out[name];
    out[name] = existing === undefined ? value : ([] as string[]).concat(existing, value);
  }
  return out;
}

function isConditionalMatch(req: http.IncomingMessage, previous: { etag?: string; lastModified?: string }): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && previous.etag !== undefined)
    return inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === previous.etag?.replace(/^W\//, ''));
  const ims = req.headers['if-modified-since'];
  return inm === undefined && ims !== undefined && previous.lastModified !== undefined && ims === previous.lastModified;
}

function findField(headers: readonly (readonly [string, string])[], name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function resolveValue(value: FieldValue, now: number): string {
  if (typeof value === 'function') return value(now);
  return typeof value === 'number' ? new Date(now + value * 1000).toUTCString() : value;
}

const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');
const clockOf = (d: Date): string => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

/** `offsetSec` from the clock in the obsolete RFC 850 format (RFC 9110 §5.6.7), e.g. `Sunday, 06-Nov-94 08:49:37 GMT`. */
export function rfc850Date(offsetSec: number): (nowAt: number) => string {
  return (nowAt) => {
    const d = new Date(nowAt + offsetSec * 1000);
    return `${LONG_DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())}-${SHORT_MONTHS[d.getUTCMonth()]}-${pad(d.getUTCFullYear() % 100)} ${clockOf(d)} GMT`;
  };
}

/** `offsetSec` from the clock in ANSI C asctime() format (RFC 9110 §5.6.7), e.g. `Sun Nov  6 08:49:37 1994`. */
export function asctimeDate(offsetSec: number): (nowAt: number) => string {
  return (nowAt) => {
    const d = new Date(nowAt + offsetSec * 1000);
    const day = String(d.getUTCDate()).padStart(2, ' ');
    return `${(LONG_DAYS[d.getUTCDay()] as string).slice(0, 3)} ${SHORT_MONTHS[d.getUTCMonth()]} ${day} ${clockOf(d)} ${d.getUTCFullYear()}`;
  };
}

/** `offsetSec` from the clock as an IMF-fixdate passed through `transform` (case changes, other zones). */
export function imfDate(offsetSec: number, transform: (date: string) => string = (date) => date): (nowAt: number) => string {
  return (nowAt) => transform(new Date(nowAt + offsetSec * 1000).toUTCString());
}

function joinValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export interface ReuseOptions {
  /** Seconds between the storing request and the one checked. */
  readonly pauseSec?: number;
  readonly status?: number;
  /** Request fields of the checked request. */
  readonly requestHeaders?: readonly Field[];
  readonly noDate?: boolean;
  readonly config?: Record<string, unknown>;
  readonly todo?: string;
  /** Extra expectations on the checked request. */
  readonly then?: Partial<Step>;
}

/**
 * The suite's most common shape: a response with `headers` (and `status`) is fetched once, then the same
 * URL again (after `pauseSec`), expected `expect`.
 */
export function reuseCase(
  id: string,
  name: string,
  headers: readonly Field[],
  expect: Expectation,
  options: ReuseOptions = {},
): ConformanceCase {
  const response: OriginAnswer = { status: options.status ?? 200, headers, ...(options.noDate === true ? { noDate: true } : {}) };
  return {
    id,
    name,
    ...(options.config === undefined ? {} : { config: options.config }),
    ...(options.todo === undefined ? {} : { todo: options.todo }),
    steps: [
      { response },
      {
        response,
        expect,
        ...(options.pauseSec === undefined ? {} : { pauseBeforeSec: options.pauseSec }),
        ...(options.requestHeaders === undefined ? {} : { headers: options.requestHeaders }),
        ...options.then,
      },
    ],
  };
}
