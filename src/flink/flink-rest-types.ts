import type { SavepointOperation } from './flink-errors.js';
import type { WaitOptions } from './poll-until.js';

export interface SavepointRequest {
  /** Chosen by the caller and persisted before the call, so a retry asks for the same savepoint. */
  triggerId?: string;
  /** Omit to use the cluster's state.savepoints.dir. */
  targetDirectory?: string;
  formatType?: 'CANONICAL' | 'NATIVE';
}

export interface SavepointProgress {
  checkpointId: number;
  acknowledged: number;
  total: number;
}

export interface SavepointResult {
  location: string;
  sizeBytes?: number;
}

export interface CompletedSavepoint extends SavepointResult {
  checkpointId: number;
  triggeredAt: Date;
  /** SAVEPOINT (job kept running) or SYNC_SAVEPOINT (stop-with-savepoint). */
  checkpointType?: string;
}

export interface WaitForSavepointOptions extends WaitOptions {
  operation?: SavepointOperation;
  /** Called when the acknowledged subtask count of the in-progress savepoint changes. */
  onProgress?: (progress: SavepointProgress) => void;
}
