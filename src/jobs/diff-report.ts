import type { Kafka } from 'kafkajs';
import { diffPartition, type DiffReport } from '../kafka/backfill-planner.js';
import type { TopicAdmin } from '../kafka/topic-admin.js';

export interface TopicDiff extends DiffReport {
  /** Keys in either topic. */
  keys: number;
}

/**
 * The approver's view: v1's output (the production topic) against v2's
 * (TEMP), key by key, over every partition. The shadow keeps writing TEMP
 * while this runs, so it is a snapshot at the offsets read at the start.
 */
export async function diffTopics(
  kafka: Kafka,
  admin: TopicAdmin,
  prodTopic: string,
  tempTopic: string,
  sampleLimit = 5,
): Promise<TopicDiff> {
  const [prod, temp] = await Promise.all([
    admin.snapshotOffsets(prodTopic),
    admin.snapshotOffsets(tempTopic),
  ]);
  const total: TopicDiff = {
    keys: 0,
    counts: { same: 0, changed: 0, onlyProduction: 0, onlyTemp: 0 },
    samples: { same: [], changed: [], onlyProduction: [], onlyTemp: [] },
  };
  for (const p of prod) {
    const t = temp.find((o) => o.partition === p.partition);
    const report = await diffPartition(
      kafka,
      {
        prodTopic,
        tempTopic,
        partition: p.partition,
        prodStart: p.start,
        prodEnd: p.end,
        tempStart: t?.start ?? 0,
        tempEnd: t?.end ?? 0,
      },
      sampleLimit,
    );
    for (const k of ['same', 'changed', 'onlyProduction', 'onlyTemp'] as const) {
      total.counts[k] += report.counts[k];
      total.keys += report.counts[k];
      for (const s of report.samples[k])
        if (total.samples[k].length < sampleLimit) total.samples[k].push(s);
    }
  }
  return total;
}
