import type { RevocationList } from '../auth/types.ts';
import type { PurgeSelector } from '../cache/store/types.ts';
import type { BusHandler } from './types.ts';

/** The parts of a gateway a bus message changes. */
export interface BusTarget {
  /** Purges stored responses here only; answers how many matched. */
  purge(selector: PurgeSelector, soft: boolean): Promise<number>;
  /** Drops stored responses and fills for these primary keys here only. */
  forget(keys: readonly string[]): Promise<void>;
  readonly revocations: RevocationList;
  /** Epoch milliseconds. */
  now(): number;
}

/** Applies what another member published to this one, without publishing anything back. */
export function createBusHandler(target: BusTarget): BusHandler {
  return async (message) => {
    switch (message.kind) {
      case 'purge':
        return target.purge(message.selector, message.soft);
      case 'invalidate':
        await target.forget(message.keys);
        return 0;
      case 'revoke':
        target.revocations.add(message.entry, Math.floor(target.now() / 1000));
        return 0;
      case 'unrevoke':
        target.revocations.remove(message.selector);
        return 0;
    }
  };
}
