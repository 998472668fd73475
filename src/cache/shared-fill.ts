import type { FetchOutcome } from './origin-fetch.ts';
import type { FillLeases } from './store/types.ts';

/**
 * Asks the origin for a miss once across every instance sharing the store (the way `Coalescer` does within
 * one process). The instance that takes the key's lease fetches, and keeps the lease until the response is
 * stored or known not to be; an instance that finds the lease held waits for it (bounded), then answers from
 * the store through `readStored`. It goes to the origin itself when the wait ends, when the holder stored
 * nothing usable (it failed, or the response was not storable), or when the store cannot be reached.
 */
export async function fetchAcrossInstances(
  leases: FillLeases,
  key: string,
  fetch: () => Promise<FetchOutcome>,
  readStored: () => Promise<FetchOutcome | undefined>,
): Promise<FetchOutcome> {
  const claim = await leases.claim(key);
  if (claim.kind === 'lead') {
    let outcome: FetchOutcome;
    try {
      outcome = await fetch();
    } catch (err) {
      claim.release();
      throw err;
    }
    if (outcome.kind === 'fill') outcome.settled.then(claim.release, claim.release);
    else claim.release();
    return outcome;
  }
  if (claim.kind === 'released') {
    const stored = await readStored();
    if (stored !== undefined) return stored;
  }
  return fetch();
}
