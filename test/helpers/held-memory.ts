import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Collects until dropped buffers are gone, so a sample counts what is held and not garbage
 * waiting for a collection. One collection is not enough: it leaves about as much again of
 * recently dropped buffers as it frees, the second takes them.
 */
export function collectGarbage(): void {
  gc();
  gc();
}

export interface HeldMemorySampler {
  /** Stops sampling (once; later calls return the same); the peak growth of held array buffers over the baseline, in bytes. */
  stop(): number;
}

/**
 * Samples `process.memoryUsage().arrayBuffers` after a collection every `intervalMs` from now
 * on. The clients of a streaming test run in this process too: without the collection, the
 * chunks they have read and dropped would count as memory the gateway holds.
 */
export function sampleHeldArrayBuffers(intervalMs: number): HeldMemorySampler {
  const held = (): number => {
    collectGarbage();
    return process.memoryUsage().arrayBuffers;
  };
  const baseline = held();
  let peak = baseline;
  let grown: number | undefined;
  const timer = setInterval(() => {
    peak = Math.max(peak, held());
  }, intervalMs);
  return {
    stop() {
      if (grown === undefined) {
        clearInterval(timer);
        grown = Math.max(peak, held()) - baseline;
      }
      return grown;
    },
  };
}
