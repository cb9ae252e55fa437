/**
 * A job that cannot get a task slot fails with Flink's
 * NoResourceAvailableException and then restarts (or fails) for a reason
 * that has nothing to do with its SQL: the cluster is full. People need to
 * hear that, not "did not reach RUNNING" after a timeout, because the fix is
 * on the cluster (free a slot, add a TaskManager), not in the evolution.
 *
 * The failure is the one line FlinkPort.lastFailure gives ("Class: message",
 * the simple class name of the root cause).
 */
const NO_RESOURCE = /\bNoResourceAvailableException\b/;

/** Whether a job's last failure says the cluster had no task slot for it. */
export function lacksTaskSlot(failure: string | undefined): boolean {
  return failure !== undefined && NO_RESOURCE.test(failure);
}

/** The sentence for the thread: what happened and what to do, naming Flink's exception. */
export function noTaskSlotText(role: 'shadow' | 'v1' | 'v2'): string {
  return `${role} cannot start: the Flink cluster has no free task slot (NoResourceAvailableException); free a slot or add a TaskManager.`;
}
