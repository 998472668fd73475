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

export const PENDING_FINDINGS = {
  'upstream-desync': {
    summary:
      'an origin that writes an extra response after its answer, in a later read, once the next request is already on that upstream connection: the next client gets the extra response. An HTTP/1.1 intermediary cannot tell it from the real answer when it arrives; the gateway never stores from such a connection and purges what it stored once the desync shows (see docs/decisions.md), so only the live answers are affected (extra-later is not drawn)',
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
