import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for this process.
 *
 * V8 allocates the objects of an allocation site directly in the old generation once 85 % of them survived a
 * scavenge taken at full young-generation size. A gateway meets that in its first burst of connections: start-up
 * (config validation, module loading) leaves the young generation at full size, and the first scavenge under load
 * finds most per-request objects of the first wave alive. Those sites then stay pretenured, and every later
 * request's objects keep what they point to (headers, buffers, streams) alive through each scavenge: about 10 MB
 * promoted per scavenge instead of 0.4 MB, a fifth of a pass-through request's CPU. Request objects never outlive
 * their exchange, so nothing is worth pretenuring. A process-wide V8 setting, so only the executable (and each
 * worker process it starts) makes it; an embedding application decides for itself (see docs/performance.md).
 */
export function turnOffPretenuring(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
