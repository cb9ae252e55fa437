import type { FlinkPort } from '../evolution/ports/flink-port.js';
import type { RedisLease } from '../store/redis-lease.js';

/** The calls that change what runs in Flink: each one a second runner must never repeat. */
const SIDE_EFFECTS = new Set<keyof FlinkPort>([
  'submitJob',
  'stopWithSavepoint',
  'triggerSavepoint',
  'cancel',
]);

/**
 * The FlinkPort a step sees while it holds its lease: every call that
 * changes Flink first asks Redis whether the lease is still this runner's.
 * A runner that was frozen (stopped process, stalled event loop) while
 * another took its job over learns it here and stops with a transient
 * error, before it submits a second v2; reads go through untouched.
 */
export function leaseGuardedFlink(
  flink: FlinkPort,
  lease: Pick<RedisLease, 'assertHeld'>,
): FlinkPort {
  return new Proxy(flink, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      if (!SIDE_EFFECTS.has(prop as keyof FlinkPort)) return fn.bind(target);
      return async (...args: unknown[]) => {
        await lease.assertHeld();
        return fn.apply(target, args);
      };
    },
  });
}
