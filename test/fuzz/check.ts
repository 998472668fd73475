import { expectedBody, TRUNCATED_BEHAVIOURS, type Behaviour } from './behaviours.ts';
import type { FuzzCase } from './client-cases.ts';
import type { OriginRequest } from './origin.ts';
import type { CaseOutcome } from './run-case.ts';

/**
 * The properties the fuzz run checks. Each violation names one, so a property tied to an open finding can be
 * reported without failing the run (see `FUZZ_PENDING` in the test).
 */
export const PROPERTIES = {
  'no-crash': 'the gateway process has no uncaught exception or unhandled rejection',
  'no-hang': 'every connection gets all its answers or a close within the configured timeouts',
  framing: 'the client can frame every response the gateway writes (RFC 9112 §6.3)',
  'own-answer': "a response carries its own request's token (or none: a gateway error), and a complete body is the one the origin framed",
  'no-hidden-truncation': 'a body the origin cut short never reaches the client as a complete message',
  'in-order': 'the well-formed requests before an early error are all answered, in order (RFC 9112 §9.3.2)',
  'origin-checked': 'every request that reaches the origin went through the gateway (Via, X-Request-ID) and passed its checks',
  'bounded-resources': 'file descriptors and heap come back to their level after the run',
  'still-serves': 'after the run the gateway answers a normal request',
} as const;

export type Property = keyof typeof PROPERTIES;

export interface Violation {
  readonly property: Property;
  /** Case id, when the violation belongs to one. */
  readonly caseId?: number;
  readonly detail: string;
}

/** Everything wrong with what one client connection saw; `clean` are the behaviours whose answers must arrive whole. */
export function checkCase(fuzzCase: FuzzCase, outcome: CaseOutcome, clean: ReadonlySet<Behaviour>): Violation[] {
  const violations: Violation[] = [];
  const add = (property: Property, detail: string): void => {
    violations.push({ property, caseId: fuzzCase.id, detail });
  };
  const { read } = outcome;
  if (outcome.hung)
    add(
      'no-hang',
      `no answer or close after ${Math.round(outcome.elapsedMs)} ms; got ${read.responses.length} of ${fuzzCase.requests.length} answers`,
    );
  if (read.garbage !== undefined) add('framing', read.garbage);

  read.responses.forEach((response, index) => {
    const request = fuzzCase.requests[index];
    const token = response.headers['x-fuzz-token'];
    const where = `answer ${index} (${response.status}${response.complete ? '' : ', cut short'})`;
    if (request === undefined) {
      add('own-answer', `${where} has no request (token ${token ?? 'none'})`);
      return;
    }
    const about = `${where} to request ${index} ${request.kind} ${request.behaviour}`;
    if (response.body.includes('rogue-')) add('own-answer', `${about}: body holds a stray response's bytes`);
    if (token === undefined) {
      if (response.status > 0 && response.status < 400) add('own-answer', `${about}: a success without the origin's token`);
      return;
    }
    if (token !== request.token) {
      add('own-answer', `${about}: carries token ${token}, expected ${request.token}`);
      return;
    }
    if (!response.complete || request.method === 'HEAD' || response.status !== 200) return;
    if (TRUNCATED_BEHAVIOURS.has(request.behaviour)) {
      add('no-hidden-truncation', `${about}: arrived complete (${response.body.length} bytes) though the origin cut it short`);
      return;
    }
    const expected = expectedBody(request.behaviour, request.token, request.size);
    if (response.body !== expected)
      add(
        'own-answer',
        `${about}: body of ${response.body.length} bytes differs from the ${expected.length} the origin framed (starts ${JSON.stringify(response.body.slice(0, 40))})`,
      );
  });

  if (fuzzCase.ending !== 'destroy') {
    for (const [index, request] of fuzzCase.requests.entries()) {
      if (!request.wellFormed || !clean.has(request.behaviour)) break;
      const response = read.responses[index];
      if (response === undefined || !response.complete || response.status !== 200 || response.headers['x-fuzz-token'] !== request.token) {
        const got =
          response === undefined
            ? 'nothing'
            : `${response.status} token ${response.headers['x-fuzz-token'] ?? 'none'}${response.complete ? '' : ' cut short'}`;
        add('in-order', `request ${index} ${request.kind} ${request.behaviour} got ${got}`);
        break;
      }
    }
  }
  return violations;
}

/** Requests that reached the origin without the gateway's fields, or on a route the client had no token for. */
export function checkOriginRequests(requests: readonly OriginRequest[], via: string): Violation[] {
  const violations: Violation[] = [];
  for (const request of requests) {
    const caseId = caseOf(request.target);
    const base = { property: 'origin-checked' as const, ...(caseId !== undefined && { caseId }) };
    if (!(request.headers['via'] ?? '').includes(via) || request.headers['x-request-id'] === undefined) {
      violations.push({ ...base, detail: `${request.method} ${request.target} reached the origin without Via/X-Request-ID (unchecked)` });
    }
    if (request.target.includes('/private/'))
      violations.push({ ...base, detail: `${request.method} ${request.target} reached the origin without a valid token` });
  }
  return violations;
}

/** The case a fuzz path belongs to (`/fz/c<case>r<request>/…`). */
function caseOf(target: string): number | undefined {
  const match = /\/c(\d+)r\d+\//.exec(target);
  return match === null ? undefined : Number(match[1]);
}
