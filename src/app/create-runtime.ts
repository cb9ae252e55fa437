import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { flinkOrigin, flinkUrlRefusal, isFlinkUrlAllowed } from '../config/flink-allow-list.js';
import type { Config } from '../config/load-config.js';
import { EvolveError } from '../errors.js';
import type { Notifier } from '../evolution/ports/notifier.js';
import type { Pipeline } from '../evolution/pipeline.js';
import type { WorkflowDeps } from '../evolution/workflow/workflow-deps.js';
import { FlinkAdapter } from '../flink/flink-adapter.js';
import { FlinkRestClient } from '../flink/flink-rest-client.js';
import { SqlGatewayClient } from '../flink/sql-gateway-client.js';
import { inScript } from '../flink/statement-error-position.js';
import { EvolutionService } from '../service/evolution-service.js';
import { flinkTlsOptions, kafkaSslOption } from './tls-options.js';
import { EvolveQueues } from '../jobs/evolve-queues.js';
import type { EvolveWorkers, EvolveWorkersOptions } from '../jobs/evolve-workers.js';
import { fanOutNotifier, RedisThreadLog } from '../store/redis-thread-log.js';
import { KafkaClusterPort } from '../kafka/kafka-cluster-port.js';
import { TopicAdmin } from '../kafka/topic-admin.js';
import { RedisEvolutionStore } from '../store/redis-evolution-store.js';
import { RedisKeys } from '../store/redis-keys.js';
import { SlackStreamNotifier } from '../slack-writer/slack-stream-notifier.js';
import { RedisPipelineRegistry } from '../store/redis-pipeline-registry.js';
import { systemClock } from '../store/system-clock.js';

export interface RuntimeOptions {
  /**
   * Where threads are shown besides the Slack stream and the Redis thread
   * log (both always kept; the CLI follows the log): a test's notifier.
   */
  notifiers?: readonly Notifier[];
  /** Queue namespace; tests give each run its own. */
  namespace?: string;
  /** Redis key prefix; tests give each run its own. */
  keyPrefix?: string;
}

export interface Runtime {
  config: Config;
  keyPrefix: string;
  redis: Redis;
  kafka: Kafka;
  admin: TopicAdmin;
  queues: EvolveQueues;
  workflow: WorkflowDeps;
  service: EvolutionService;
  threadLog: RedisThreadLog;
  /** Every process's way to Slack: appends to the stream the bot's Slack writer posts from. */
  slackStream: SlackStreamNotifier;
  /** The REST and gateway clients of a pipeline's Flink cluster. */
  flinkCluster(pipeline: Pick<Pipeline, 'flink'>): {
    rest: FlinkRestClient;
    gateway: SqlGatewayClient;
  };
  validateSql(
    sql: string,
    pipeline: Pick<Pipeline, 'flink'>,
  ): Promise<{ outputTopic: string | undefined }>;
  startWorkers(
    options?: Pick<
      EvolveWorkersOptions,
      'partitionConcurrency' | 'observeEveryMs' | 'observeLagThreshold' | 'wrap'
    >,
  ): Promise<EvolveWorkers>;
  close(): Promise<void>;
}

export function kafkaConfig(config: Config): KafkaConfig {
  const k: KafkaConfig = {
    clientId: 'flink-evolve',
    brokers: config.kafka.brokers,
    logLevel: logLevel.WARN,
    ssl: kafkaSslOption(config),
  };
  if (config.kafka.sasl) {
    const { mechanism, username, password } = config.kafka.sasl;
    k.sasl = { mechanism, username, password } as KafkaConfig['sasl'];
  }
  return k;
}

/**
 * Defence in depth behind the pipeline schema: a record stored before the
 * allow-list existed, or written to Redis by hand, still gets no client, so
 * the Authorization header and the TLS client certificate reach no other host.
 */
function assertFlinkEndpointsAllowed(
  pipeline: Pick<Pipeline, 'flink'>,
  allowed: readonly string[],
): void {
  for (const field of ['restUrl', 'gatewayUrl'] as const) {
    const url = pipeline.flink[field];
    if (!isFlinkUrlAllowed(url, allowed)) {
      throw new EvolveError(
        'CONFIG_INVALID',
        `The pipeline's flink.${field} ${flinkOrigin(url) ?? url} ${flinkUrlRefusal(allowed)}, or registers the pipeline again with an allowed endpoint. Nothing was sent to it.`,
      );
    }
  }
}

/** Builds every part of a process (bot, worker or CLI) from validated configuration. */
export async function createRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const keyPrefix = options.keyPrefix ?? config.redis.keyPrefix;
  // BullMQ's workers need connections that never give up on a command.
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
  const kafka = new Kafka(kafkaConfig(config));
  const keys = new RedisKeys(keyPrefix);
  const admin = new TopicAdmin(kafka, redis, {
    registry: { topics: keys.createdTopics(), groups: keys.createdGroups() },
  });
  const pipelines = new RedisPipelineRegistry({ redis, prefix: keyPrefix });
  const evolutions = new RedisEvolutionStore({
    redis,
    pipelines,
    clock: systemClock,
    prefix: keyPrefix,
  });
  const tls = flinkTlsOptions(config);
  const headers: Record<string, string> = config.flink.authHeader
    ? { Authorization: config.flink.authHeader }
    : {};
  interface FlinkCluster {
    rest: FlinkRestClient;
    gateway: SqlGatewayClient;
    port: FlinkAdapter;
  }
  const clusters = new Map<string, FlinkCluster>();
  // Each pipeline names its Flink endpoints; pipelines on one cluster share its clients.
  const cluster = (pipeline: Pick<Pipeline, 'flink'>): FlinkCluster => {
    const key = `${pipeline.flink.restUrl} ${pipeline.flink.gatewayUrl}`;
    let c = clusters.get(key);
    if (!c) {
      assertFlinkEndpointsAllowed(pipeline, config.flink.allowedOrigins);
      const options = { headers, ...(tls ? { tls } : {}) };
      const rest = new FlinkRestClient({ baseUrl: pipeline.flink.restUrl, ...options });
      const gateway = new SqlGatewayClient({ baseUrl: pipeline.flink.gatewayUrl, ...options });
      c = { rest, gateway, port: new FlinkAdapter(rest, gateway) };
      clusters.set(key, c);
    }
    return c;
  };
  const kafkaPort = new KafkaClusterPort(admin, kafka);
  const threadLog = new RedisThreadLog(redis, keys);
  const slackStream = new SlackStreamNotifier(redis, keys);
  const workflow: WorkflowDeps = {
    evolutions,
    pipelines,
    audit: evolutions.audit,
    clock: systemClock,
    flinkFor: (pipeline) => cluster(pipeline).port,
    kafkaFor: () => kafkaPort,
    notifier: fanOutNotifier([...(options.notifiers ?? []), slackStream, threadLog]),
    // The SQL parser loads on first use (about a second): CLI calls that plan nothing skip it.
    shadowPlanner: {
      plan: async (sql, o) =>
        (await import('../flink/sql-shadow-planner.js')).sqlShadowPlanner.plan(sql, o),
      sourceTopics: async (sql) =>
        (await import('../flink/sql-shadow-planner.js')).sqlShadowPlanner.sourceTopics(sql),
    },
    newTriggerId: () => randomBytes(16).toString('hex'),
    runningTimeoutMs: config.deployRunningTimeoutMs,
    stableMs: config.deployStableMs,
    rollbackWindowMs: config.rollbackWindowMs,
  };
  // Parse (line/column errors), then a dry run through the gateway (planner errors); nothing is submitted.
  const validateSql = async (sql: string, pipeline: Pick<Pipeline, 'flink'>) => {
    const { analyzeScript } = await import('../flink/analyze-script.js');
    const analysis = analyzeScript(sql);
    await cluster(pipeline)
      .gateway.explain(analysis.statements.map((s) => s.executable))
      .catch((err: unknown) => {
        throw inScript(err, sql, analysis.statements);
      });
    return { outputTopic: analysis.outputTopic };
  };
  const queues = new EvolveQueues(
    redis,
    options.namespace ?? config.queueNamespace,
    config.stepRetry,
  );
  const service = new EvolutionService({
    workflow,
    queues,
    redis,
    keyPrefix,
    kafka,
    admin,
    admins: config.admins,
    validateSql,
    lagThreshold: config.observeLagThreshold,
    announce: (channel, text) => slackStream.announce(channel, text),
  });
  const workers: EvolveWorkers[] = [];
  return {
    config,
    keyPrefix,
    redis,
    kafka,
    admin,
    queues,
    workflow,
    service,
    threadLog,
    slackStream,
    flinkCluster: cluster,
    validateSql,
    async startWorkers(o = {}) {
      // Loaded by the processes that work (the processors, the backfill engine): a CLI call does not.
      const [{ EvolveWorkers }, { BackfillProgressRelay }] = await Promise.all([
        import('../jobs/evolve-workers.js'),
        import('../jobs/backfill-progress-relay.js'),
      ]);
      const relay = new BackfillProgressRelay(redis, keyPrefix, workflow);
      const w = new EvolveWorkers({
        connection: redis,
        deps: workflow,
        queues,
        backfill: { redis, kafka, admin, keyPrefix, relay },
        observeLagThreshold: config.observeLagThreshold,
        ...o,
      });
      await w.waitUntilReady();
      workers.push(w);
      return w;
    },
    async close() {
      for (const w of workers.splice(0)) await w.close();
      await queues.close();
      await threadLog.close();
      await admin.close().catch(() => undefined);
      for (const c of clusters.values()) await Promise.all([c.rest.close(), c.gateway.close()]);
      await redis.quit().catch(() => undefined);
    },
  };
}
