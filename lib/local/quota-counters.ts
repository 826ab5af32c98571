import type { QuotaCounter } from '../../lambdas/data/quotas';

/**
 * A quota counter for local mode, kept in memory: every create and delete of a counted resource
 * passes through this one process (a data dir is locked to one), so a count is exact without the
 * conditional UpdateItem per create that the table's counter item costs (a third of a CreateRoom).
 * It starts from what exists: the start-up reconcile counts the rooms and logging configurations
 * and sets the counter items to it (reconcile.ts), and those items are not written while the
 * process runs; the next start counts again. One thread: a check and its increment cannot
 * interleave with another create's.
 */
export function countedInMemory(limit: number, used: number): QuotaCounter {
  let count = used;
  return {
    limit,
    reserve: async () => {
      if (count >= limit) return false;
      count++;
      return true;
    },
    // At zero already: nothing to give back (as the table's counter, which never goes below zero).
    release: async () => {
      count = Math.max(0, count - 1);
    },
  };
}
