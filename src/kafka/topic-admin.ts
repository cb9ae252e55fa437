import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { tempTopicName, v1SnapshotTopicName } from '../evolution/shadow-names.js';
import {
  KafkaAuthenticationError,
  KafkaUnreachableError,
  PartitionsChangedError,
  TopicMissingError,
  TopicNotOursError,
} from './kafka-errors.js';
import { isAuthenticationError, isConnectionError, isUnknownTopic } from './kafka-error-kinds.js';

const TEMP_PATTERN = /^(.+)\.evolve\.([A-Za-z0-9][A-Za-z0-9_-]*)$/;
const V1_SNAPSHOT_PATTERN = /^(.+)\.evolve\.([A-Za-z0-9][A-Za-z0-9_-]*)\.v1$/;

/** The kinds of topic this system creates for an evolution, and may therefore delete. */
type OwnedKind = 'temp' | 'v1-snapshot';

const KIND_TEXT: Record<OwnedKind, string> = { temp: 'TEMP topic', 'v1-snapshot': 'v1 snapshot' };

/**
 * Which of our shapes a name has, if exactly one. A name of both shapes
 * (`x.evolve.evolve.v1`: TEMP of `x.evolve` for id 'v1', or snapshot of `x`
 * for id 'evolve') is neither: it is never created, so never deleted by guess.
 */
export function ownedKind(topic: string): OwnedKind | undefined {
  const temp = TEMP_PATTERN.test(topic);
  const snapshot = V1_SNAPSHOT_PATTERN.test(topic);
  if (temp === snapshot) return undefined;
  return temp ? 'temp' : 'v1-snapshot';
}

/** Broker configs worth carrying from the production topic to TEMP (the rest stays broker default). */
const MIRRORED_CONFIGS = [
  'max.message.bytes',
  'message.timestamp.type',
  'compression.type',
  'min.compaction.lag.ms',
  'max.compaction.lag.ms',
  'delete.retention.ms',
  'min.cleanable.dirty.ratio',
  'segment.bytes',
  'segment.ms',
];

export interface PartitionOffsets {
  partition: number;
  /** Last stable offset (read_committed end): nothing at or above it is visible yet. */
  end: number;
  /** Earliest offset still in the log. */
  start: number;
}

export interface CreatedTopic {
  topic: string;
  partitions: number;
  /** False when the topic already existed with the right partition count (a retry). */
  created: boolean;
}

export interface TopicAdminOptions {
  /** Redis keys of the registry of topics and groups this system created (RedisKeys.createdTopics/createdGroups). */
  registry: { topics: string; groups: string };
}

/**
 * Topic-level Kafka operations of an evolution. Every topic and consumer
 * group this system creates is recorded in Redis *before* the create call,
 * and only recorded names that also match `<output>.evolve.<evolution-id>`
 * are ever deleted (invariant 8).
 */
export class TopicAdmin {
  private admin: Admin;
  private connected = false;
  /** Counts renewals of the client, so a call failed by one can tell. */
  private generation = 0;
  /** The renewal in progress (or the last one): a call retried after it waits for it. */
  private renewing: Promise<void> | undefined;
  /**
   * The tail of the queue of kafkajs calls: one at a time on the client.
   * kafkajs keeps one metadata cache per client and shares an in-flight
   * refresh between callers whatever topics each needs; fetchTopicMetadata
   * replaces the cache with the asked topics only. Two calls at once about
   * different topics (two backfill partitions of one worker: one asking
   * TEMP's ends while the other checked PROD) could each find the other's
   * topic missing from the cache, and fetchTopicOffsets then failed with
   * "Cannot destructure property 'partitions' of 'high.pop(...)'", spending
   * an attempt. Admin calls take milliseconds; queueing them costs little.
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly redis: Redis,
    private readonly options: TopicAdminOptions,
  ) {
    if (!options.registry.topics || !options.registry.groups)
      throw new Error('the registry keys must be non-empty strings');
    this.admin = kafka.admin();
  }

  private get topicsKey(): string {
    return this.options.registry.topics;
  }

  private get groupsKey(): string {
    return this.options.registry.groups;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.call('connecting to Kafka', () => this.admin.connect());
    this.connected = true;
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.admin.disconnect();
  }

  async partitionCount(topic: string): Promise<number> {
    await this.connect();
    const meta = await this.call(`describing ${topic}`, () =>
      this.admin.fetchTopicMetadata({ topics: [topic] }),
    ).catch((err: unknown) => {
      if (isUnknownTopic(err)) throw new TopicMissingError(topic);
      throw err;
    });
    const found = meta.topics.find((t) => t.name === topic);
    if (!found || found.partitions.length === 0) throw new TopicMissingError(topic);
    return found.partitions.length;
  }

  /** Refuses the run when the partition count moved since it started: keys would live elsewhere. */
  async assertPartitionCount(topic: string, expected: number): Promise<void> {
    const actual = await this.partitionCount(topic);
    if (actual !== expected) throw new PartitionsChangedError(topic, expected, actual);
  }

  /**
   * Creates TEMP for an evolution: compacted, with the production topic's
   * partition count, replication factor and compaction settings. Idempotent.
   */
  async createTempTopic(outputTopic: string, evolutionId: string): Promise<CreatedTopic> {
    const topic = tempTopicName(outputTopic, evolutionId);
    // A legal name may still be one deleteTempTopic would refuse (a '.' in the id): never create what cleanup cannot remove.
    if (ownedKind(topic) !== 'temp')
      throw new TopicNotOursError(
        topic,
        'the evolution id has characters a TEMP topic name cannot carry',
      );
    return this.createOwnedTopic(topic, outputTopic, evolutionId, 'temp');
  }

  /**
   * Creates the evolution's v1 snapshot (`<output>.evolve.<evolution-id>.v1`)
   * exactly like TEMP: compacted, the production topic's partition count,
   * replication factor and compaction settings, registered before the create
   * call. Idempotent.
   */
  async createV1SnapshotTopic(outputTopic: string, evolutionId: string): Promise<CreatedTopic> {
    const topic = v1SnapshotTopicName(outputTopic, evolutionId);
    // An id such as 'evolve' would make the name read as a TEMP too: cleanup must never have to guess.
    if (ownedKind(topic) !== 'v1-snapshot')
      throw new TopicNotOursError(
        topic,
        'the evolution id has characters a v1 snapshot topic name cannot carry',
      );
    return this.createOwnedTopic(topic, outputTopic, evolutionId, 'v1-snapshot');
  }

  private async createOwnedTopic(
    topic: string,
    outputTopic: string,
    evolutionId: string,
    kind: OwnedKind,
  ): Promise<CreatedTopic> {
    await this.connect();
    const meta = await this.call(`describing ${outputTopic}`, () =>
      this.admin.fetchTopicMetadata({ topics: [outputTopic] }),
    ).catch((err: unknown) => {
      if (isUnknownTopic(err)) throw new TopicMissingError(outputTopic);
      throw err;
    });
    const prod = meta.topics.find((t) => t.name === outputTopic);
    if (!prod) throw new TopicMissingError(outputTopic);
    const partitions = prod.partitions.length;
    const replicationFactor = Math.max(1, prod.partitions[0]?.replicas.length ?? 1);

    const existing = await this.existingPartitions(topic);
    if (existing !== undefined) {
      if (existing !== partitions) throw new PartitionsChangedError(topic, partitions, existing);
      return { topic, partitions, created: false };
    }

    const configEntries = [
      ...(await this.mirroredConfigs(outputTopic)),
      { name: 'cleanup.policy', value: 'compact' },
    ];
    // Intent before the side effect: a crash after createTopics still leaves the topic deletable.
    await this.redis.hset(
      this.topicsKey,
      topic,
      JSON.stringify({ outputTopic, evolutionId, partitions, kind, at: new Date().toISOString() }),
    );
    await this.call(`creating ${topic}`, () =>
      this.admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries }],
      }),
    );
    return { topic, partitions, created: true };
  }

  /** Records a consumer group before it is used, so that cleanup may delete it. */
  async registerGroup(groupId: string): Promise<void> {
    await this.redis.sadd(this.groupsKey, groupId);
  }

  /** Deletes the given groups that this system registered; others are left alone and returned. */
  async deleteGroups(
    groupIds: readonly string[],
  ): Promise<{ deleted: string[]; refused: string[] }> {
    await this.connect();
    const deleted: string[] = [];
    const refused: string[] = [];
    for (const groupId of groupIds) {
      if ((await this.redis.sismember(this.groupsKey, groupId)) !== 1) {
        refused.push(groupId);
        continue;
      }
      await this.deleteGroup(groupId);
      await this.redis.srem(this.groupsKey, groupId);
      deleted.push(groupId);
    }
    return { deleted, refused };
  }

  /**
   * One group. Gone already is the state we want; a coordinator that is
   * loading or moving (a fresh group, a broker restart) is waited for a few
   * seconds, then reported as Kafka unreachable, so the step retries later.
   */
  private async deleteGroup(groupId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call(`deleting consumer group ${groupId}`, () =>
          this.admin.deleteGroups([groupId]),
        );
        return;
      } catch (err) {
        const errors = ((err as { groups?: { error?: GroupError }[] }).groups ?? []).map(
          (g) => g.error,
        );
        if (errors.length === 0) throw err;
        if (errors.every((e) => e?.type === 'GROUP_ID_NOT_FOUND')) return;
        if (!errors.every((e) => e?.retriable || COORDINATOR_BUSY.has(e?.type ?? ''))) throw err;
        if (attempt >= 5)
          throw new KafkaUnreachableError(`deleting consumer group ${groupId}`, err);
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }

  /**
   * Deletes a TEMP topic. Refuses (TopicNotOursError) unless the name has the
   * TEMP pattern AND the registry says this system created it as a TEMP.
   */
  async deleteTempTopic(topic: string): Promise<void> {
    if (ownedKind(topic) !== 'temp')
      throw new TopicNotOursError(topic, 'its name is not <output>.evolve.<evolution-id>');
    await this.deleteOwnedTopic(topic, 'temp');
  }

  /**
   * Deletes a v1 snapshot topic. Refuses (TopicNotOursError) unless the name
   * has the snapshot pattern AND the registry says this system created it as
   * a snapshot. A topic already gone is fine (the registry entry goes too),
   * and so is a second call after a successful one.
   */
  async deleteV1SnapshotTopic(topic: string): Promise<void> {
    if (ownedKind(topic) !== 'v1-snapshot')
      throw new TopicNotOursError(topic, 'its name is not <output>.evolve.<evolution-id>.v1');
    // A retried cleanup that already finished finds neither topic nor entry: nothing left to do.
    if ((await this.redis.hexists(this.topicsKey, topic)) !== 1) {
      await this.connect();
      if ((await this.existingPartitions(topic)) === undefined) return;
    }
    await this.deleteOwnedTopic(topic, 'v1-snapshot');
  }

  private async deleteOwnedTopic(topic: string, kind: OwnedKind): Promise<void> {
    const entry = await this.redis.hget(this.topicsKey, topic);
    if (entry === null)
      throw new TopicNotOursError(topic, 'flink-evolve has no record of creating it');
    // Entries written before snapshots existed carry no kind: they were all TEMPs.
    const recorded = (JSON.parse(entry) as { kind?: OwnedKind }).kind ?? 'temp';
    if (recorded !== kind)
      throw new TopicNotOursError(topic, `flink-evolve created it as a ${KIND_TEXT[recorded]}`);
    await this.connect();
    if ((await this.existingPartitions(topic)) !== undefined) {
      await this.call(`deleting ${topic}`, () => this.admin.deleteTopics({ topics: [topic] }));
      // Deletion completes asynchronously; a caller that re-creates or checks right after must not see it.
      for (
        let i = 0;
        i < 150 &&
        (await this.call('listing topics', () => this.admin.listTopics())).includes(topic);
        i++
      )
        await new Promise((r) => setTimeout(r, 200));
      // This client now targets a topic that no longer exists; start clean.
      await this.renewClient();
    }
    await this.redis.hdel(this.topicsKey, topic);
  }

  /**
   * Read_committed end offsets per partition. kafkajs's admin lists offsets
   * with isolation level READ_COMMITTED, so `end` is the last stable offset:
   * an open transaction's records are above it.
   */
  async snapshotOffsets(topic: string): Promise<PartitionOffsets[]> {
    await this.connect();
    const offsets = await this.call(`reading offsets of ${topic}`, () =>
      this.admin.fetchTopicOffsets(topic),
    ).catch((err: unknown) => {
      if (isUnknownTopic(err)) throw new TopicMissingError(topic);
      throw err;
    });
    return offsets
      .map((o) => ({ partition: o.partition, end: Number(o.offset), start: Number(o.low) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** The read_committed end offset of one partition. */
  async endOffset(topic: string, partition: number): Promise<number> {
    const all = await this.snapshotOffsets(topic);
    const found = all.find((o) => o.partition === partition);
    if (!found) throw new TopicMissingError(`${topic}[${partition}]`);
    return found.end;
  }

  /**
   * How far a consumer group is behind the topics' last stable offsets,
   * summed over partitions: the shadow's lag behind the production inputs
   * (Flink commits its source offsets to the group at each checkpoint). A
   * partition the group never committed counts from the log start.
   */
  async consumerLag(groupId: string, topics: readonly string[]): Promise<number> {
    await this.connect();
    let lag = 0;
    for (const topic of topics) {
      const ends = await this.snapshotOffsets(topic);
      const committed = await this.call(`reading offsets of group ${groupId}`, () =>
        this.admin.fetchOffsets({ groupId, topics: [topic] }),
      );
      const byPartition = new Map(
        (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
      );
      for (const e of ends) {
        const at = byPartition.get(e.partition) ?? -1;
        lag += Math.max(0, e.end - (at >= 0 ? at : e.start));
      }
    }
    return lag;
  }

  private async existingPartitions(topic: string): Promise<number | undefined> {
    const topics = await this.call('listing topics', () => this.admin.listTopics());
    if (!topics.includes(topic)) return undefined;
    return this.partitionCount(topic);
  }

  private async mirroredConfigs(topic: string): Promise<{ name: string; value: string }[]> {
    const described = await this.call(`reading the configuration of ${topic}`, () =>
      this.admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* TOPIC */, name: topic, configNames: MIRRORED_CONFIGS }],
      }),
    );
    const entries = described.resources[0]?.configEntries ?? [];
    return entries
      .filter(
        (e) => !e.isDefault && e.configValue !== null && MIRRORED_CONFIGS.includes(e.configName),
      )
      .map((e) => ({ name: e.configName, value: e.configValue }));
  }

  /**
   * kafkajs refreshes metadata for every topic an admin client ever touched,
   * and fails the whole refresh once one of them was deleted (our TEMP, or a
   * topic someone else removed). So an unknown-topic error is retried once on
   * a fresh client; if the topic is really gone, the retry says so again.
   */
  private async call<T>(
    what: string,
    fn: () => Promise<T>,
    retried = false,
    busyAttempts = 0,
  ): Promise<T> {
    const generation = this.generation;
    try {
      return await this.oneAtATime(fn);
    } catch (err) {
      // Another call renewed the client under this one: it disconnects the old
      // client, and what was in flight on it fails in any way (a connection
      // error, or kafkajs reading a torn-down response: "Cannot read properties
      // of null"). Asked again on the new one.
      if (this.generation !== generation && !retried) {
        await this.renewing?.catch(() => undefined);
        return this.call(what, fn, true, busyAttempts);
      }
      if (isUnknownTopic(err) && !retried) {
        await this.renewClient();
        return this.call(what, fn, true, busyAttempts);
      }
      // A group's coordinator moving or loading (a broker restarted, or a
      // new broker loading __consumer_offsets: seen on Kafka 4.4 right after
      // start) passes within seconds; past that it is an outage, not a bug.
      if (isCoordinatorBusy(err)) {
        if (busyAttempts < 5) {
          await new Promise((r) => setTimeout(r, 200 * (busyAttempts + 1)));
          return this.call(what, fn, retried, busyAttempts + 1);
        }
        throw new KafkaUnreachableError(what, err);
      }
      if (isAuthenticationError(err)) throw new KafkaAuthenticationError(what, err);
      if (isUnknownTopic(err) || !isConnectionError(err)) throw err;
      throw new KafkaUnreachableError(what, err);
    }
  }

  /** Runs `fn` once every kafkajs call queued before it has ended, however it ended. */
  private oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async renewClient(): Promise<void> {
    const old = this.admin;
    this.admin = this.kafka.admin();
    this.generation++;
    this.connected = false;
    this.renewing = (async () => {
      await old.disconnect().catch(() => undefined);
      await this.connect();
    })();
    await this.renewing;
  }
}

interface GroupError {
  type?: string;
  retriable?: boolean;
}

/** Group coordinator states that pass by themselves. */
const COORDINATOR_BUSY: ReadonlySet<string> = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
]);

function isCoordinatorBusy(err: unknown): boolean {
  return COORDINATOR_BUSY.has((err as GroupError | undefined)?.type ?? '');
}
