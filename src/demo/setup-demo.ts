import type { Runtime } from '../app/create-runtime.js';
import { sqlHash } from '../evolution/sql-hash.js';
import type { Pipeline } from '../evolution/pipeline.js';
import { demoPipelineSql } from './demo-pipeline.js';
import { OrderGenerator } from './order-generator.js';

/** The demo's pipeline and topic names; `npm start -- --demo-prefix` moves them (a stack shared with others). */
export interface DemoNames {
  pipeline: string;
  topics: { orders: string; revenue: string };
}

export function demoNames(prefix = 'demo'): DemoNames {
  return {
    pipeline: `${prefix}-revenue`,
    topics: { orders: `${prefix}.orders`, revenue: `${prefix}.revenue` },
  };
}

export const DEMO = {
  ...demoNames(),
  owner: { id: 'U0DEMOOWNER', name: 'Olivia (owner)' },
  approver: { id: 'U0DEMOAPPR', name: 'Arjun (approver)' },
  admin: { id: 'U0DEMOADMIN', name: 'Ada (admin)' },
  /** The playground's channel: CLI rounds of the demo get their thread there too. */
  channel: 'C0EVOLVE',
} as const;

/** The playground's first message, on an empty channel: who is who and the first command to try. */
export function demoWelcome(names: DemoNames = DEMO): string {
  const { pipeline, topics } = names;
  return [
    '*Welcome to the flink-evolve playground.* This channel is a local Slack: the bot, Kafka and Flink behind it are real.',
    `Pipeline \`${pipeline}\` sums revenue per customer from \`${topics.orders}\` into the upsert topic \`${topics.revenue}\`.`,
    `Act as ${DEMO.owner.name}, ${DEMO.approver.name} or ${DEMO.admin.name} with "You are" in the sidebar.`,
    `As Olivia, start with \`/evolve develop ${pipeline}\` ("Use the demo v2 SQL" stops counting cancelled orders), then \`/evolve deploy ${pipeline}\`; Arjun approves; Olivia runs \`/evolve backfill ${pipeline}\`. \`/evolve help\` lists every command.`,
  ].join('\n');
}

export interface DemoHandle {
  pipeline: Pipeline;
  v2Sql: string;
  generator: OrderGenerator;
  stop(): Promise<void>;
}

/**
 * Brings the demo pipeline up on whatever cluster the runtime points at:
 * topics, some history, v1 running (or the current production version after
 * an earlier evolution), the pipeline registered, and live orders flowing.
 * Safe to run again: it reuses what is there.
 */
export async function setupDemo(
  runtime: Runtime,
  log: (line: string) => void,
  names: DemoNames = DEMO,
): Promise<DemoHandle> {
  const brokers = runtime.config.kafka.brokers.join(',');
  const sql = demoPipelineSql(names.topics, brokers, `${names.pipeline}-v1`);
  const admin = runtime.kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const missing = [names.topics.orders, names.topics.revenue].filter(
      (t) => !existing.includes(t),
    );
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: 2,
          configEntries:
            topic === names.topics.revenue ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        })),
      });
      log(`created topics ${missing.join(', ')}`);
    }
  } finally {
    await admin.disconnect();
  }
  const generator = new OrderGenerator(runtime.kafka, names.topics.orders);
  const registered = await runtime.service.pipelineNamed(names.pipeline).catch(() => undefined);
  const production = registered?.production ?? {
    sql: sql.v1,
    sqlHash: sqlHash(sql.v1),
    flinkJobId: '',
  };
  const flink = runtime.workflow.flinkFor({
    flink: { restUrl: runtime.config.flink.restUrl, gatewayUrl: runtime.config.flink.gatewayUrl },
  });
  let jobId = production.flinkJobId;
  // Mid-deploy v1 is stopped on purpose and v2 is on its way: a fresh v1
  // here would write the output topic beside v2. The deploy (or its automatic
  // roll back) brings production up; the next start finds it running.
  const deploying = registered
    ? await runtime.workflow.evolutions.activeFor(names.pipeline)
    : undefined;
  if (deploying?.status === 'DEPLOYING') {
    log(`evolution ${deploying.id} is deploying: production is left to it`);
  } else if (!jobId || (await flink.jobState(jobId)) !== 'RUNNING') {
    if (!registered) {
      await generator.send(2_000);
      log('wrote 2000 orders of history');
    }
    jobId = await flink.submitJob(production.sql, {
      'pipeline.name': `demo/${names.pipeline}/production`,
    });
    const state = await flink.waitRunning(jobId, 120_000);
    log(`production job ${jobId} ${state} (sql ${production.sqlHash.slice(0, 12)})`);
  }
  const pipeline: Pipeline = {
    name: names.pipeline,
    flink: { restUrl: runtime.config.flink.restUrl, gatewayUrl: runtime.config.flink.gatewayUrl },
    kafka: { outputTopic: names.topics.revenue, keyFormat: 'json' },
    production: { ...production, flinkJobId: jobId },
    owners: [DEMO.owner.id],
    approvers: [DEMO.approver.id],
    allowSelfApproval: false,
    approvalTtlMs: 24 * 3600_000,
    shadowStartupMode: 'earliest-offset',
    backfill: { rate: 500, mode: 'full' },
    slackChannel: DEMO.channel,
  };
  await runtime.service.registerFromFile(pipeline);
  if (registered && registered.production.flinkJobId !== jobId) {
    await runtime.workflow.pipelines.updateProduction(names.pipeline, {
      ...registered.production,
      flinkJobId: jobId,
    });
  }
  generator.start(5);
  return { pipeline, v2Sql: sql.v2, generator, stop: () => generator.stop() };
}
