import { z } from 'zod';

// Shapes of the Flink REST answers flink-evolve reads, the same on 1.20 and
// 2.2 (CI runs the Flink client tests on both). Only the fields it uses are
// declared; Flink adds fields between versions and zod drops
// the unknown ones.

export const JOB_STATES = [
  'INITIALIZING',
  'CREATED',
  'RUNNING',
  'FAILING',
  'FAILED',
  'CANCELLING',
  'CANCELED',
  'FINISHED',
  'RESTARTING',
  'SUSPENDED',
  'RECONCILING',
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_JOB_STATES: readonly JobState[] = [
  'FAILED',
  'CANCELED',
  'FINISHED',
  'SUSPENDED',
];

export const jobStateSchema = z.enum(JOB_STATES);

export const jobOverviewSchema = z.object({
  jid: z.string(),
  name: z.string(),
  state: jobStateSchema,
  'start-time': z.number(),
  'end-time': z.number(),
  duration: z.number().optional(),
  'last-modification': z.number().optional(),
  /** Subtasks by execution state (running, deploying, finished, …, total). */
  tasks: z.record(z.string(), z.number()).optional(),
});
export type JobOverview = z.infer<typeof jobOverviewSchema>;

/**
 * Whether every subtask of the job runs (or already finished, as a bounded
 * source does), from the overview's live counts; undefined where Flink did
 * not report them.
 */
export function subtasksRunning(job: JobOverview): boolean | undefined {
  const t = job.tasks;
  if (t?.total === undefined) return undefined;
  return t.total > 0 && (t.running ?? 0) + (t.finished ?? 0) === t.total;
}

export const jobsOverviewSchema = z.object({ jobs: z.array(jobOverviewSchema) });

export const jobVertexSchema = z.object({
  id: z.string(),
  name: z.string(),
  parallelism: z.number(),
  status: z.string(),
});

export const jobDetailsSchema = z.object({
  jid: z.string(),
  name: z.string(),
  state: jobStateSchema,
  'start-time': z.number(),
  'end-time': z.number(),
  duration: z.number().optional(),
  vertices: z.array(jobVertexSchema).default([]),
  /** When the job last entered each state (JobStatus -> epoch ms), as the JobManager saw it. */
  timestamps: z.record(z.string(), z.number()).default({}),
});
export type JobDetails = z.infer<typeof jobDetailsSchema>;

/** Answer to every asynchronous trigger (savepoint, stop, disposal). */
export const triggerResponseSchema = z.object({ 'request-id': z.string() });

export const failureCauseSchema = z.object({
  class: z.string().optional(),
  'stack-trace': z.string().optional(),
});

/** `GET /jobs/:jobid/savepoints/:triggerid` and `GET /savepoint-disposal/:triggerid`. */
export const asyncOperationSchema = z.object({
  status: z.object({ id: z.enum(['IN_PROGRESS', 'COMPLETED']) }),
  operation: z
    .object({
      location: z.string().optional(),
      'failure-cause': failureCauseSchema.optional(),
    })
    .nullish(),
});
export type AsyncOperation = z.infer<typeof asyncOperationSchema>;

export const checkpointEntrySchema = z.object({
  id: z.number(),
  status: z.string(),
  is_savepoint: z.boolean(),
  trigger_timestamp: z.number(),
  latest_ack_timestamp: z.number().optional(),
  num_subtasks: z.number(),
  num_acknowledged_subtasks: z.number(),
  state_size: z.number().optional(),
  checkpoint_type: z.string().optional(),
  external_path: z.string().nullish(),
  discarded: z.boolean().optional(),
  failure_message: z.string().nullish(),
});
export type CheckpointEntry = z.infer<typeof checkpointEntrySchema>;

export const restoredCheckpointSchema = z.object({
  id: z.number(),
  restore_timestamp: z.number(),
  is_savepoint: z.boolean(),
  external_path: z.string().nullish(),
});

export const checkpointStatsSchema = z.object({
  counts: z.object({
    restored: z.number(),
    total: z.number(),
    in_progress: z.number(),
    completed: z.number(),
    failed: z.number(),
  }),
  latest: z.object({
    completed: checkpointEntrySchema.nullish(),
    savepoint: checkpointEntrySchema.nullish(),
    failed: checkpointEntrySchema.nullish(),
    restored: restoredCheckpointSchema.nullish(),
  }),
  history: z.array(checkpointEntrySchema),
});
export type CheckpointStats = z.infer<typeof checkpointStatsSchema>;
