import { TRUNCATED_BEHAVIOURS } from './behaviours.ts';
import type { FuzzCase } from './client-cases.ts';
import type { Property, Violation } from './check.ts';

/**
 * A gateway defect the fuzz run already knows about. While its name is in the test's `FUZZ_PENDING`, violations of
 * `properties` in the cases it `covers` are printed, not failed, and the case families in `draws` are left out;
 * everything else is still checked. Removing the name turns it all on.
 */
export interface PendingFinding {
  readonly summary: string;
  readonly properties: readonly Property[];
  /** The cases whose violations it explains; `undefined` for run-wide checks (resources, still-serves). */
  covers(fuzzCase: FuzzCase | undefined): boolean;
}

const hasAfterFirst = (fuzzCase: FuzzCase | undefined, test: (r: FuzzCase['requests'][number]) => boolean): boolean =>
  fuzzCase?.requests.some((r, index) => index > 0 && test(r)) === true;

export const PENDING_FINDINGS = {
  'upgrade-tunnel': {
    summary:
      'an Upgrade the origin refuses, one with a body, or one pipelined behind another request splices the client to the origin unchecked and its answer overtakes earlier ones; an upgrade whose origin never answers is never timed out (such upgrades are not drawn)',
    properties: [],
    covers: () => false,
  },
  'pipeline-order': {
    summary:
      'an early answer the gateway writes itself (400 on a parse error, 431, 413) goes out before, or in the middle of, the answers to requests pipelined before it (RFC 9112 §9.3.2)',
    properties: ['in-order', 'framing', 'own-answer'],
    covers: (c) => hasAfterFirst(c, (r) => !r.wellFormed && !r.upgrade),
  },
  'queued-body-error': {
    summary:
      'a pipelined response queued behind another whose upstream body then fails (cut, broken chunk, Content-Length in the trailer, body timeout) is never ended: the connection hangs',
    properties: ['no-hang'],
    covers: (c) => hasAfterFirst(c, (r) => TRUNCATED_BEHAVIOURS.has(r.behaviour) || r.behaviour === 'trailer-content-length'),
  },
  'queued-continue': {
    summary: '100 Continue for a queued request is written after its final head, inside the framed body (response splitting)',
    // The stray 100 shifts the framing of every later answer on the connection, so their order breaks too.
    properties: ['own-answer', 'framing', 'in-order'],
    covers: (c) => hasAfterFirst(c, (r) => r.bytes.includes('Expect: 100-continue')),
  },
  'trailer-content-length': {
    summary:
      'Content-Length in a chunked trailer section cuts the response (RFC 9110 §6.5.1: drop it and finish); while pending the behaviour is not counted as clean',
    properties: [],
    covers: () => false,
  },
  'stall-timeout': {
    summary:
      "a client that stalls mid-request is cut only on Node's 30 s connection check, not after limits.headersTimeoutMs / requestTimeoutMs (stalled requests are not drawn)",
    properties: [],
    covers: () => false,
  },
  'half-close': {
    summary:
      'a client that half-closes its connection after sending its requests gets no answers: the gateway aborts them on the FIN (RFC 9112 §9.6 lets a client stop sending and still read)',
    properties: ['in-order'],
    covers: (c) => c?.ending === 'end',
  },
  'upstream-desync': {
    summary:
      'bytes an origin writes after its response, in a later read, are taken as the response to the next request on that upstream connection: it gets a stray answer or a broken body (extra-later is not drawn)',
    properties: [],
    covers: () => false,
  },
} as const satisfies Record<string, PendingFinding>;

export type PendingName = keyof typeof PENDING_FINDINGS;

/** The pending finding that explains `violation`, if any. */
export function explainedBy(violation: Violation, pending: ReadonlySet<PendingName>, cases: readonly FuzzCase[]): PendingName | undefined {
  const fuzzCase = violation.caseId === undefined ? undefined : cases[violation.caseId];
  for (const name of pending) {
    const finding: PendingFinding = PENDING_FINDINGS[name];
    if (finding.properties.includes(violation.property) && finding.covers(fuzzCase)) return name;
  }
  return undefined;
}
