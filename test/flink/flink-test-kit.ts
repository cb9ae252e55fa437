import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll } from 'vitest';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { SqlGatewayClient, type ExecutionConfig } from '../../src/flink/sql-gateway-client.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';

// Shared pieces of the Flink integration tests: real Kafka topics, the
// orders -> per-customer totals pipeline, and cleanup of what a test made.

export interface Order {
  customer_id: string;
  amount: number;
}

export interface Totals {
  total: number;
  cnt: number;
}

const endpoints = () => stackEndpoints();

export function kafka(): Kafka {
  return new Kafka({
    clientId: uniqueName('flink-test'),
    brokers: endpoints().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
}

export function restClient(): FlinkRestClient {
  return new FlinkRestClient({ baseUrl: endpoints().flinkRestUrl });
}

export function gatewayClient(): SqlGatewayClient {
  return new SqlGatewayClient({ baseUrl: endpoints().flinkGatewayUrl });
}

/** Tracks what a test creates so afterAll removes it even when the test failed half-way. */
export class TestResources {
  readonly topics: string[] = [];
  readonly jobs: string[] = [];
  readonly groups: string[] = [];
  readonly savepointDirectories: string[] = [];
  private admin: Admin | undefined;

  constructor(
    readonly rest: FlinkRestClient,
    readonly k: Kafka = kafka(),
  ) {}

  async kafkaAdmin(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.k.admin();
      await this.admin.connect();
    }
    return this.admin;
  }

  async topic(prefix: string, partitions = 1): Promise<string> {
    const name = uniqueName(prefix);
    const admin = await this.kafkaAdmin();
    await admin.createTopics({
      topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    this.topics.push(name);
    return name;
  }

  group(prefix: string): string {
    const name = uniqueName(prefix);
    this.groups.push(name);
    return name;
  }

  job(jobId: string): string {
    this.jobs.push(jobId);
    return jobId;
  }

  /**
   * Submits a script at parallelism 1 (one input partition is read in
   * order), tracks the job, and returns once all its tasks run: a savepoint
   * or a cancel before that would race the deployment.
   */
  async startJob(
    gateway: SqlGatewayClient,
    statements: readonly string[],
    config: ExecutionConfig,
  ): Promise<string> {
    const { jobId } = await gateway.submitScript(statements, {
      'parallelism.default': '1',
      ...config,
    });
    this.job(jobId);
    await waitForRunningTasks(this.rest, jobId);
    return jobId;
  }

  /** A savepoint target directory of this test's own (a URL, as Flink takes it), removed by cleanup. */
  savepointDirectory(prefix: string): string {
    const url = `${endpoints().savepointDir}/${uniqueName(prefix)}`;
    this.savepointDirectories.push(url);
    return url;
  }

  async cleanup(): Promise<void> {
    for (const jobId of this.jobs) {
      await this.rest.cancelJob(jobId).catch(() => undefined);
    }
    for (const jobId of this.jobs) {
      await this.rest
        .waitForJobState(jobId, ['CANCELED'], { timeoutMs: 60_000 })
        .catch(() => undefined);
    }
    const admin = await this.kafkaAdmin();
    if (this.groups.length > 0) await admin.deleteGroups(this.groups).catch(() => undefined);
    if (this.topics.length > 0)
      await admin.deleteTopics({ topics: this.topics }).catch(() => undefined);
    await admin.disconnect();
    await this.rest.close();
    for (const url of this.savepointDirectories)
      rmSync(fileURLToPath(url), { recursive: true, force: true });
  }
}

/**
 * The clients of one Flink test file and what it creates: call it inside the
 * describe. afterAll cancels the jobs and removes the topics, groups and
 * savepoint directories the tests tracked (even after a failure half-way),
 * then closes the clients.
 */
export function useFlinkTestResources(): {
  rest: FlinkRestClient;
  gateway: SqlGatewayClient;
  resources: TestResources;
} {
  const rest = restClient();
  const gateway = gatewayClient();
  const resources = new TestResources(rest);
  afterAll(async () => {
    await resources.cleanup();
    await gateway.close();
  });
  return { rest, gateway, resources };
}

export async function produceOrders(
  k: Kafka,
  topic: string,
  orders: readonly Order[],
): Promise<void> {
  const producer = k.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: orders.map((o) => ({ value: JSON.stringify(o) })) });
  } finally {
    await producer.disconnect();
  }
}

export interface TopicRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Every record of the topic from its start to its current end, read with a throwaway group. */
export async function readTopic(k: Kafka, topic: string): Promise<TopicRecord[]> {
  const admin = k.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  const remaining = new Map(
    ends.filter((p) => p.high !== p.low).map((p) => [p.partition, BigInt(p.high)]),
  );
  const records: TopicRecord[] = [];
  if (remaining.size === 0) {
    await admin.disconnect();
    return records;
  }
  const groupId = uniqueName('flink-test-reader');
  const consumer = k.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = remaining.get(partition);
        if (end === undefined || BigInt(message.offset) >= end) return;
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {}))
          headers[name] = String(value);
        records.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers,
        });
        if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return records;
}

/** The upsert view of a topic: the latest value per key; tombstones remove the key. */
export async function readTotals(k: Kafka, topic: string): Promise<Map<string, Totals>> {
  const latest = new Map<string, Totals>();
  for (const r of await readTopic(k, topic)) {
    const key = (JSON.parse(r.key ?? '{}') as { customer_id?: string }).customer_id ?? '';
    if (r.value === null) latest.delete(key);
    else {
      // The value repeats the key column (value.fields-include ALL); keep the figures.
      const { total, cnt } = JSON.parse(r.value) as Totals;
      latest.set(key, { total, cnt });
    }
  }
  return latest;
}

export async function endOffsets(k: Kafka, topic: string): Promise<string[]> {
  const admin = k.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => o.high);
  } finally {
    await admin.disconnect();
  }
}

/** Polls `probe` until it returns a value; an error from `probe` ends the wait at once. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(1000);
  }
}

export function ordersSourceDdl(topic: string, groupId: string, extraOptions = ''): string {
  return `CREATE TABLE orders (customer_id STRING, amount INT) WITH (
  'connector' = 'kafka',
  'topic' = '${topic}',
  'properties.bootstrap.servers' = '${endpoints().kafkaBrokers.join(',')}',
  'properties.group.id' = '${groupId}',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json'${extraOptions}
)`;
}

export function totalsSinkDdl(topic: string, extraOptions = ''): string {
  return `CREATE TABLE totals (customer_id STRING, total INT, cnt BIGINT, PRIMARY KEY (customer_id) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka',
  'topic' = '${topic}',
  'properties.bootstrap.servers' = '${endpoints().kafkaBrokers.join(',')}',
  'key.format' = 'json',
  'value.format' = 'json'${extraOptions}
)`;
}

export const TOTALS_INSERT =
  'INSERT INTO totals SELECT customer_id, SUM(amount) AS total, COUNT(*) AS cnt FROM orders GROUP BY customer_id';

/** The orders -> totals pipeline as one statement per element. */
export function totalsScript(input: string, output: string, groupId: string): string[] {
  return [ordersSourceDdl(input, groupId), totalsSinkDdl(output), TOTALS_INSERT];
}

/** Waits until the job and all its tasks run (job RUNNING comes before its tasks are deployed). */
export async function waitForRunningTasks(rest: FlinkRestClient, jobId: string): Promise<void> {
  await eventually(`tasks of job ${jobId} RUNNING`, async () => {
    const job = await rest.getJob(jobId);
    if (['FAILED', 'CANCELED', 'FINISHED'].includes(job.state))
      throw new Error(`job ${jobId} is ${job.state}`);
    return job.state === 'RUNNING' && job.vertices.every((v) => v.status === 'RUNNING')
      ? true
      : undefined;
  });
}
