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
 * Samples `process.memoryUsage().arrayBuffers` after a collection, every `intervalMs` or more,
 * from now on. The clients of a streaming test run in this process too: without the collection,
 * the chunks they have read and dropped would count as memory the gateway holds. A collection
 * takes around 100 ms on a loaded machine, so the next sample waits at least three times as long
 * as the last one took: at most a quarter of the test's time goes to sampling, however slow.
 */
export function sampleHeldArrayBuffers(intervalMs: number): HeldMemorySampler {
  let lastCollectionMs = 0;
  const held = (): number => {
    const started = performance.now();
    collectGarbage();
    lastCollectionMs = performance.now() - started;
    return process.memoryUsage().arrayBuffers;
  };
  const baseline = held();
  let peak = baseline;
  let grown: number | undefined;
  let timer: NodeJS.Timeout;
  const schedule = (): void => {
    timer = setTimeout(
      () => {
        peak = Math.max(peak, held());
        schedule();
      },
      Math.max(intervalMs, 3 * lastCollectionMs),
    );
  };
  schedule();
  return {
    stop() {
      if (grown === undefined) {
        clearTimeout(timer);
        grown = Math.max(peak, held()) - baseline;
      }
      return grown;
    },
  };
}
