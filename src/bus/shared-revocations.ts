import type { AdminRevocations } from '../admin/revocations.ts';
import type { RevocationList } from '../auth/types.ts';
import type { InvalidationBus } from './types.ts';

/**
 * The admin API's revocation list when several members enforce revocations: a change is applied to `list`
 * and then published, and resolves only once every other member applied it, so `POST /revocations` answers
 * after the token is refused everywhere.
 */
export function shareRevocations(list: RevocationList, bus: InvalidationBus): AdminRevocations {
  return {
    async add(entry, nowSec) {
      list.add(entry, nowSec);
      await bus.publish({ kind: 'revoke', entry });
      return undefined;
    },
    async remove(selector) {
      const removed = list.remove(selector);
      await bus.publish({ kind: 'unrevoke', selector });
      return removed;
    },
    list: (nowSec) => list.list(nowSec),
  };
}
