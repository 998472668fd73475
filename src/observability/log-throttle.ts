/**
 * Lets one log line per key through every `intervalMs` and counts the ones held back meanwhile, so a failure
 * repeated on every request (a shared store timing out) shows as a line now and then with how many it stands for.
 * Keys are a small fixed set (an operation name), never request data.
 *
 * @example
 * const throttle = createLogThrottle(10_000);
 * const suppressed = throttle('get');
 * if (suppressed !== undefined) logger.warn({ suppressed }, 'redis call failed');
 */
export function createLogThrottle(intervalMs: number, now: () => number = Date.now): (key: string) => number | undefined {
  const windows = new Map<string, { openedAt: number; held: number }>();
  return (key) => {
    const at = now();
    const window = windows.get(key);
    if (window !== undefined && at - window.openedAt < intervalMs) {
      window.held++;
      return undefined;
    }
    windows.set(key, { openedAt: at, held: 0 });
    return window?.held ?? 0;
  };
}
