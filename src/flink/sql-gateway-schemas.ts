import { z } from 'zod';

// Shapes of the Flink SQL Gateway REST answers (API v2), as observed on the
// real 1.20 and 2.2 gateways. Unknown fields are dropped.

export const openSessionSchema = z.object({ sessionHandle: z.string().min(1) });

export const operationHandleSchema = z.object({ operationHandle: z.string().min(1) });

export const operationStatusSchema = z.object({ status: z.string() });

const columnSchema = z.object({ name: z.string() });

const rowSchema = z.object({
  kind: z.string().optional(),
  fields: z.array(z.unknown()),
});

/** `GET .../operations/:op/result/:token?rowFormat=JSON` */
export const fetchResultSchema = z.object({
  resultType: z.enum(['NOT_READY', 'PAYLOAD', 'EOS']),
  isQueryResult: z.boolean().optional(),
  /** Set for statements that submitted a job (INSERT, STATEMENT SET). */
  jobID: z.string().optional(),
  resultKind: z.string().optional(),
  results: z
    .object({
      columns: z.array(columnSchema).optional(),
      data: z.array(rowSchema).default([]),
    })
    .optional(),
  nextResultUri: z.string().optional(),
});
export type FetchResult = z.infer<typeof fetchResultSchema>;
