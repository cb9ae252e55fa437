import { httpJson } from '../../stack/wait-until.js';

/**
 * Where the Flink cluster writes savepoints that name no target directory:
 * its `state.savepoints.dir` (Flink 1.x) or `execution.checkpointing.savepoint-dir`
 * (the name since 1.20, the only one Flink 2 reads), as its JobManager reports it. The suite asks
 * Flink instead of assuming its own checkout's `.stack` folder, because the
 * stack that answers on the ports may have been started from another
 * checkout (or another `EVOLVE_STACK_DIR`). Undefined when Flink names none.
 */
export async function flinkSavepointDir(restUrl: string): Promise<string | undefined> {
  const config = (await httpJson(`${restUrl}/jobmanager/config`)) as Array<{
    key?: string;
    value?: string;
  }>;
  const keys = ['execution.checkpointing.savepoint-dir', 'state.savepoints.dir'];
  const dir = keys.map((k) => config.find((e) => e.key === k)?.value).find(Boolean);
  return dir ? dir.replace(/\/+$/, '') : undefined;
}
