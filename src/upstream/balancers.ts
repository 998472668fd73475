import type { BalancerKind } from '../config/types.ts';

/**
 * A balancer picks an index into `slots`, scanning from `cursor`, among the slots `isEligible` accepts;
 * -1 when none is. The caller advances its cursor to `index + 1`. Pure and allocation-free: it runs per request.
 */
export type Balancer = <S extends BalancerSlot>(slots: readonly S[], cursor: number, isEligible: (slot: S) => boolean) => number;

export interface BalancerSlot {
  /** Requests currently dispatched to this slot. */
  readonly inflight: number;
}

/**
 * The first eligible slot at or after `cursor` (wrapping). With the cursor moved past each pick, eligible slots
 * take turns, and an ineligible one simply hands its turn to the next.
 */
export function pickRoundRobin<S extends BalancerSlot>(slots: readonly S[], cursor: number, isEligible: (slot: S) => boolean): number {
  const count = slots.length;
  const start = normaliseCursor(cursor, count);
  for (let step = 0; step < count; step++) {
    const index = (start + step) % count;
    if (isEligible(slots[index] as S)) return index;
  }
  return -1;
}

/**
 * The eligible slot with the fewest in-flight requests; ties go to the first one at or after `cursor`, so an idle
 * pool (all zero) still spreads like round-robin instead of piling onto slot 0.
 */
export function pickLeastConnections<S extends BalancerSlot>(
  slots: readonly S[],
  cursor: number,
  isEligible: (slot: S) => boolean,
): number {
  const count = slots.length;
  const start = normaliseCursor(cursor, count);
  let best = -1;
  let bestInflight = Infinity;
  for (let step = 0; step < count; step++) {
    const index = (start + step) % count;
    const slot = slots[index] as S;
    if (slot.inflight < bestInflight && isEligible(slot)) {
      best = index;
      bestInflight = slot.inflight;
    }
  }
  return best;
}

/** The balancer a pool's `balancer` setting names. */
export function selectBalancer(kind: BalancerKind): Balancer {
  switch (kind) {
    case 'round-robin':
      return pickRoundRobin;
    case 'least-connections':
      return pickLeastConnections;
  }
}

function normaliseCursor(cursor: number, count: number): number {
  if (count === 0) return 0;
  const index = Math.trunc(cursor) % count;
  return index < 0 ? index + count : index;
}
