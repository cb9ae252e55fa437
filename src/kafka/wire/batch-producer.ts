import { createRequire } from 'node:module';
import type { Kafka, Message, ProducerRecord, RecordMetadata } from 'kafkajs';
import { isConnectionError, isUnknownTopic } from '../kafka-error-kinds.js';
import {
  BatchTooLargeError,
  ProduceRejectedError,
  ProduceUnreachableError,
  ProduceUnsupportedError,
} from '../produce-errors.js';
import { encodeRecordBatch } from './record-batch-encoder.js';
import { WireCluster, type WireBroker } from './wire-cluster.js';

const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => { type: string };
};

/**
 * An idempotent producer that encodes record batches itself and sends
 * Produce v3 requests over kafkajs's connections (WireCluster): kafkajs's
 * own idempotent producer spends its CPU building a batch (~60k records/s on
 * the 2-core bench), while encodeRecordBatch writes one in a single pass.
 *
 * Idempotence as Kafka defines it: one producer id, a sequence number per
 * partition, and one request in flight per partition, so a batch resent
 * after a lost answer carries the same sequence and the broker drops the
 * copy (or answers with the first copy's offsets). A send whose outcome
 * stays unknown, or that the broker refused, ends the producer id: the next
 * send gets a new one and starts sequences at 0, since continuing the old
 * sequences would either be refused (OUT_OF_ORDER) or, worse, taken as a
 * duplicate of a batch that was never written.
 *
 * What it sends like kafkajs's `Producer.send`: acks -1 only, no
 * compression, and every message names its partition (no partitioner).
 */
export class BatchProducer {
  private identity: Promise<ProducerIdentity> | undefined;
  /** Per topic-partition: settles when the last send queued on it has finished. */
  private readonly queues = new Map<string, Promise<void>>();
  private closed = false;

  private constructor(
    private readonly cluster: WireCluster,
    private readonly options: Required<BatchProducerOptions>,
  ) {}

  /** A producer with its own connections (and metadata), configured like `kafka`. */
  static async open(kafka: Kafka, options: BatchProducerOptions = {}): Promise<BatchProducer> {
    return BatchProducer.over(await WireCluster.open(kafka), options);
  }

  /** A producer over a cluster the caller opened; `disconnect` closes it. */
  static over(cluster: WireCluster, options: BatchProducerOptions = {}): BatchProducer {
    return new BatchProducer(cluster, { ...DEFAULTS, ...options });
  }

  /**
   * Writes the record's messages, one batch per partition, and resolves once
   * every in-sync replica has them. Sends to a partition are written in call
   * order, one after the other; sends to other partitions go concurrently.
   */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (this.closed) throw new ProduceUnsupportedError('the producer is disconnected');
    const groups = byPartition(record);
    if (groups.size === 0) return [];
    const keys = [...groups.keys()].map((p) => partitionKey(record.topic, p));
    return this.inOrder(keys, () => this.produce(record.topic, groups));
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.queues.values()]);
    await this.cluster.close();
  }

  /** Runs `work` once every send queued before on these partitions has finished. */
  private async inOrder<T>(keys: string[], work: () => Promise<T>): Promise<T> {
    const before = keys.map((k) => this.queues.get(k));
    let finished!: () => void;
    const mine = new Promise<void>((resolve) => (finished = resolve));
    for (const k of keys) this.queues.set(k, mine);
    try {
      await Promise.all(before);
      return await work();
    } finally {
      finished();
      for (const k of keys) if (this.queues.get(k) === mine) this.queues.delete(k);
    }
  }

  private async produce(topic: string, groups: Map<number, Message[]>): Promise<RecordMetadata[]> {
    const first = groups.keys().next().value!;
    const pending = this.producerIdentity(topic, first);
    const identity = await pending;
    const now = Date.now();
    const batches: PartitionBatch[] = [...groups].map(([partition, messages]) => {
      const baseSequence = identity.sequences.get(partitionKey(topic, partition)) ?? 0;
      const bytes = encodeRecordBatch(messages, { ...identity, baseSequence }, now);
      return { partition, count: messages.length, baseSequence, bytes };
    });
    try {
      const acked = await this.deliver(topic, batches);
      for (const b of batches)
        identity.sequences.set(
          partitionKey(topic, b.partition),
          nextSequence(b.baseSequence, b.count),
        );
      return batches.map((b) => metadata(topic, b.partition, acked.get(b.partition)!));
    } catch (err) {
      // Refused or unknown: these sequences cannot be continued (see the class comment).
      if (this.identity === pending) this.identity = undefined;
      throw err;
    }
  }

  /** The producer id and epoch, asked for once; again after a failed send. */
  private producerIdentity(topic: string, partition: number): Promise<ProducerIdentity> {
    if (this.identity === undefined) {
      const asked = this.initProducerId(topic, partition);
      this.identity = asked;
      asked.catch(() => {
        if (this.identity === asked) this.identity = undefined;
      });
    }
    return this.identity;
  }

  /**
   * InitProducerId without a transactional id, to any broker (the leader at
   * hand). A broker refuses it with coordinator errors for a few seconds
   * after it starts: those (and lost connections) are waited out, for up to
   * INIT_PATIENCE_MS and at least `attempts` tries.
   */
  private async initProducerId(topic: string, partition: number): Promise<ProducerIdentity> {
    const { attempts } = this.options;
    const until = Date.now() + INIT_PATIENCE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const broker = await this.cluster.leader(topic, partition);
        const id = await broker.initProducerId({ transactionTimeout: 30_000 });
        return {
          producerId: BigInt(id.producerId),
          producerEpoch: id.producerEpoch,
          sequences: new Map(),
        };
      } catch (err) {
        if (!isRetriable(err)) throw err;
        if (attempt >= attempts && Date.now() >= until)
          throw new ProduceUnreachableError('getting a producer id', attempt, err);
      }
      await this.backOff(attempt);
    }
  }

  /**
   * Sends the batches, grouped per leader, until each is acknowledged:
   * retriable failures are resent as they were (same bytes, same sequence)
   * after a metadata refresh, at most `attempts` times.
   */
  private async deliver(topic: string, batches: PartitionBatch[]): Promise<Map<number, Acked>> {
    const acked = new Map<number, Acked>();
    let pending = batches;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      if (attempt > 1) {
        await this.backOff(attempt - 1);
        // A refresh that fails on anything but a missing topic is the next attempt's problem.
        await this.cluster.refresh().catch((err: unknown) => {
          if (isUnknownTopic(err)) throw err;
        });
      }
      const round = await this.sendRound(topic, pending, acked);
      pending = round.failed;
      lastError = round.error ?? lastError;
      if (pending.length === 0) return acked;
    }
    throw exhausted(topic, pending[0]!.partition, this.options.attempts, lastError);
  }

  /** One attempt at every pending batch: which failed retriably, and why. */
  private async sendRound(
    topic: string,
    pending: PartitionBatch[],
    acked: Map<number, Acked>,
  ): Promise<{ failed: PartitionBatch[]; error?: unknown }> {
    let groups: Array<{ broker: WireBroker; batches: PartitionBatch[] }>;
    try {
      groups = await this.byLeader(topic, pending);
    } catch (err) {
      if (!isRetriable(err)) throw err;
      return { failed: pending, error: err };
    }
    const failed: PartitionBatch[] = [];
    let error: unknown;
    // Settled, not raced: no request of this send may still be in flight once it has failed.
    const outcomes = await Promise.allSettled(
      groups.map(async ({ broker, batches }) => {
        try {
          const results = await this.cluster.send(broker, produceRequest(topic, batches));
          for (const b of batches) {
            const outcome = judge(topic, b, results.get(b.partition));
            if ('acked' in outcome) acked.set(b.partition, outcome.acked);
            else {
              failed.push(b);
              error = outcome.retry;
            }
          }
        } catch (err) {
          if (!isRetriable(err)) throw err;
          failed.push(...batches);
          error = err;
        }
      }),
    );
    const refused = outcomes.find((o) => o.status === 'rejected');
    if (refused) throw refused.reason;
    return { failed, error };
  }

  private async byLeader(
    topic: string,
    batches: PartitionBatch[],
  ): Promise<Array<{ broker: WireBroker; batches: PartitionBatch[] }>> {
    const groups = new Map<WireBroker, PartitionBatch[]>();
    for (const b of batches) {
      const broker = await this.cluster.leader(topic, b.partition);
      const group = groups.get(broker);
      if (group) group.push(b);
      else groups.set(broker, [b]);
    }
    return [...groups].map(([broker, list]) => ({ broker, batches: list }));
  }

  private backOff(attempt: number): Promise<void> {
    const ms = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (attempt - 1));
    return new Promise((resolve) => setTimeout(resolve, ms * (0.8 + Math.random() * 0.4)));
  }
}

export interface BatchProducerOptions {
  /** Tries per send (and per producer id request) before it fails. */
  attempts?: number;
  /** The first wait before a retry; doubled per retry up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

const DEFAULTS: Required<BatchProducerOptions> = {
  attempts: 8,
  backoffMs: 100,
  maxBackoffMs: 3_000,
};

interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
  /** The next sequence number per topic-partition. */
  sequences: Map<string, number>;
}

interface PartitionBatch {
  partition: number;
  count: number;
  baseSequence: number;
  bytes: Buffer;
}

interface PartitionResult {
  errorCode: number;
  baseOffset: bigint;
  logAppendTime: bigint;
}

interface Acked {
  /** -1 when the broker knew the batch as a duplicate without its offsets. */
  baseOffset: bigint;
  logAppendTime: bigint;
}

const NONE = 0;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const MESSAGE_TOO_LARGE = 10;
const DUPLICATE_SEQUENCE_NUMBER = 46;
/** LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS(_AFTER_APPEND). */
const RETRIABLE_CODES: ReadonlySet<number> = new Set([5, 6, 7, 19, 20]);
const PRODUCE_TIMEOUT_MS = 30_000;
/** How long InitProducerId refusals are waited out: a starting broker's coordinator loads within seconds. */
const INIT_PATIENCE_MS = 30_000;
const MAX_SEQUENCE = 2 ** 31 - 1;

/** What the broker's answer for one batch means: acknowledged, worth a resend, or (thrown) refused. */
function judge(
  topic: string,
  batch: PartitionBatch,
  result: PartitionResult | undefined,
): { acked: Acked } | { retry: unknown } {
  if (result === undefined)
    return {
      retry: new ProduceRejectedError(
        topic,
        batch.partition,
        -1,
        'NO_ANSWER',
        'the answer did not name the partition',
      ),
    };
  const { errorCode } = result;
  if (errorCode === NONE) return { acked: result };
  // Written before: a resend's first copy is older than the broker remembers offsets for.
  if (errorCode === DUPLICATE_SEQUENCE_NUMBER)
    return { acked: { baseOffset: -1n, logAppendTime: -1n } };
  const type = createErrorFromCode(errorCode).type;
  if (RETRIABLE_CODES.has(errorCode))
    return { retry: new ProduceRejectedError(topic, batch.partition, errorCode, type) };
  if (errorCode === MESSAGE_TOO_LARGE)
    throw new BatchTooLargeError(topic, batch.partition, batch.bytes.length);
  // Stale metadata (a leader that does not host the partition yet) or a deleted topic: the
  // refresh before the resend tells them apart, and the error after the last still says which.
  if (errorCode === UNKNOWN_TOPIC_OR_PARTITION)
    return {
      retry: new ProduceRejectedError(
        topic,
        batch.partition,
        errorCode,
        type,
        'the topic or partition does not exist',
      ),
    };
  throw new ProduceRejectedError(topic, batch.partition, errorCode, type);
}

/** Failures a resend of the same batch may get past: a lost connection, a timeout, stale metadata. */
function isRetriable(err: unknown): boolean {
  if (isUnknownTopic(err)) return false;
  if (err instanceof ProduceRejectedError) return RETRIABLE_CODES.has(err.errorCode);
  if (isConnectionError(err)) return true;
  const e = err as { name?: string; retriable?: boolean } | undefined;
  if (e?.name === 'KafkaJSConnectionClosedError') return true;
  // kafkajs's broker-side errors (metadata, InitProducerId's coordinator loading) say whether they are.
  return e?.name === 'KafkaJSProtocolError' && e.retriable === true;
}

function exhausted(topic: string, partition: number, attempts: number, err: unknown): Error {
  if (err instanceof ProduceRejectedError)
    return new ProduceRejectedError(
      topic,
      partition,
      err.errorCode,
      err.type,
      `still after ${attempts} attempts`,
    );
  return new ProduceUnreachableError(`writing to ${topic}[${partition}]`, attempts, err);
}

/** The messages per partition, in order; refuses what BatchProducer does not send. */
function byPartition(record: ProducerRecord): Map<number, Message[]> {
  const { topic, acks, compression } = record;
  if (acks !== undefined && acks !== -1)
    throw new ProduceUnsupportedError(
      `acks ${acks} for ${topic}: an idempotent producer writes with acks -1 (all in-sync replicas)`,
    );
  if (compression !== undefined && compression !== 0)
    throw new ProduceUnsupportedError(
      `compression ${compression} for ${topic}: it writes uncompressed batches`,
    );
  const groups = new Map<number, Message[]>();
  record.messages.forEach((m, i) => {
    const p = m.partition;
    if (p === undefined || !Number.isInteger(p) || p < 0)
      throw new ProduceUnsupportedError(
        `message ${i} for ${topic} names no partition (${String(p)}): it has no partitioner, so every message must name its partition`,
      );
    const group = groups.get(p);
    if (group) group.push(m);
    else groups.set(p, [m]);
  });
  return groups;
}

function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

/** Kafka's sequence numbers wrap from 2^31-1 to 0. */
export function nextSequence(base: number, count: number): number {
  return base > MAX_SEQUENCE - count ? count - (MAX_SEQUENCE - base) - 1 : base + count;
}

function metadata(topic: string, partition: number, acked: Acked): RecordMetadata {
  return {
    topicName: topic,
    partition,
    errorCode: 0,
    baseOffset: String(acked.baseOffset),
    logAppendTime: String(acked.logAppendTime),
    logStartOffset: '-1',
  };
}

/** Produce v3 (transactional_id null, acks -1) of one topic's batches, and how to read its answer. */
function produceRequest(topic: string, batches: PartitionBatch[]) {
  const name = Buffer.from(topic);
  const head = Buffer.alloc(2 + 2 + 4 + 4 + 2 + name.length + 4);
  let p = head.writeInt16BE(-1, 0); // transactional_id: null
  p = head.writeInt16BE(-1, p); // acks: all in-sync replicas
  p = head.writeInt32BE(PRODUCE_TIMEOUT_MS, p);
  p = head.writeInt32BE(1, p); // one topic
  p = head.writeInt16BE(name.length, p);
  p += name.copy(head, p);
  head.writeInt32BE(batches.length, p);
  const parts: Buffer[] = [head];
  for (const b of batches) {
    const prefix = Buffer.alloc(8);
    prefix.writeInt32BE(b.partition, 0);
    prefix.writeInt32BE(b.bytes.length, 4);
    parts.push(prefix, b.bytes);
  }
  return {
    apiKey: 0,
    apiVersion: 3,
    apiName: 'Produce',
    body: Buffer.concat(parts),
    parse: parseProduceResponse,
    // The broker answers within its own timeout; the client waits a little longer for that answer.
    timeoutMs: PRODUCE_TIMEOUT_MS + 5_000,
  };
}

/** Produce v3's answer: per topic, per partition: error code, base offset, log append time. */
function parseProduceResponse(body: Buffer): Map<number, PartitionResult> {
  const results = new Map<number, PartitionResult>();
  let p = 0;
  const topics = body.readInt32BE(p);
  p += 4;
  for (let t = 0; t < topics; t++) {
    p += 2 + body.readInt16BE(p);
    const partitions = body.readInt32BE(p);
    p += 4;
    for (let i = 0; i < partitions; i++) {
      results.set(body.readInt32BE(p), {
        errorCode: body.readInt16BE(p + 4),
        baseOffset: body.readBigInt64BE(p + 6),
        logAppendTime: body.readBigInt64BE(p + 14),
      });
      p += 22;
    }
  }
  return results;
}
