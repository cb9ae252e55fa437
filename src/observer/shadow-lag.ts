import type { Evolution } from '../evolution/evolution.js';
import type { TopicAdmin } from '../kafka/topic-admin.js';

/**
 * How many input records the shadow has not consumed yet: the lag of its
 * consumer groups (Flink commits them at each checkpoint) over the Kafka
 * topics v2's SQL reads, summed. Undefined when it cannot be told: no groups
 * or no named topics (a topic pattern), or Kafka did not answer; status,
 * approval message and observer then show the job without a lag.
 */
export async function shadowLag(
  ev: Pick<Evolution, 'v2' | 'shadow'>,
  admin: Pick<TopicAdmin, 'consumerLag'>,
): Promise<number | undefined> {
  try {
    // Loaded on first use: a status call about a pipeline without a shadow never parses SQL.
    const { analyzeScript } = await import('../flink/analyze-script.js');
    const topics = [...new Set(analyzeScript(ev.v2.sql).kafkaSources.flatMap((s) => s.topics))];
    if (ev.shadow.groupIds.length === 0 || topics.length === 0) return undefined;
    let lag = 0;
    for (const group of ev.shadow.groupIds) lag += await admin.consumerLag(group, topics);
    return lag;
  } catch {
    return undefined;
  }
}
