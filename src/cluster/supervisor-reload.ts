import type { Config } from '../config/types.ts';
import type { ReloadOutcome } from '../reload/reloader.ts';
import { RELOAD_TIMEOUT_MS, type SupervisorCall } from './protocol.ts';
import type { WorkerSlot } from './worker-slot.ts';

/**
 * Has every worker that reads its channel put `workerConfig` in force, and answers once each has. A worker
 * that exits meanwhile is not a failure: its replacement starts with the new config. Any other failure is
 * named (`worker 2 (pid 4242): ...`); the workers that swapped keep the new config.
 */
export async function reloadWorkers(slots: readonly WorkerSlot[], workerConfig: Config): Promise<ReloadOutcome> {
  const call: SupervisorCall = { type: 'reload', config: workerConfig };
  const problems = await Promise.all(
    slots.map(async (slot): Promise<string[]> => {
      const peer = slot.peer;
      if (peer === undefined) return [];
      const outcome = await peer.call(call, RELOAD_TIMEOUT_MS);
      const worker = `worker ${slot.id}${slot.pid === undefined ? '' : ` (pid ${slot.pid})`}`;
      if (!outcome.ok) return outcome.reason === 'closed' ? [] : [`${worker}: ${outcome.message}`];
      const answer = outcome.value as ReloadOutcome;
      return answer.reloaded ? [] : answer.problems.map((problem) => `${worker}: ${problem}`);
    }),
  );
  const failed = problems.flat();
  return failed.length === 0 ? { reloaded: true } : { reloaded: false, problems: failed };
}
