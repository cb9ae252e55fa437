import type { Kafka } from 'kafkajs';
import { isAuthenticationError } from '../kafka-error-kinds.js';
import { KafkaAuthenticationError } from '../kafka-errors.js';

/**
 * Raw Kafka requests over kafkajs's own connections.
 *
 * kafkajs decodes every fetched record into objects with string offsets and
 * encodes every produced one the same way: on this project's 2-core bench it
 * reads ~300k records/s and its idempotent producer writes ~60k/s, while the
 * wire format itself decodes at over 1M records/s and batches encode at
 * ~300k/s (BENCHMARKS.md). The backfill's hot paths (PartitionScanner,
 * BatchProducer) therefore speak Fetch and Produce themselves, and borrow
 * everything else from kafkajs: broker discovery, metadata, TLS, SASL,
 * reconnection, request framing and correlation. That uses kafkajs's
 * internal Cluster and its request framing, so package.json pins kafkajs to 2.2.4 (its
 * last release: the internals cannot move under us).
 */

/**
 * What kafkajs's request framing reads of an encoded request body: its
 * `Encoder.writeEncoder` checks `buf` and copies `buffer`. The body we built
 * is handed over as it is; wrapping it in a real Encoder copied every
 * 512 KB Produce body once more into a zero-filled, power-of-two buffer.
 */
interface KafkajsEncoder {
  buf: Buffer;
  buffer: Buffer;
}

/** The kafkajs Broker members used here. */
export interface WireBroker {
  connectionPool: {
    send<T>(request: {
      request: {
        apiKey: number;
        apiVersion: number;
        apiName: string;
        encode: () => Promise<KafkajsEncoder>;
      };
      response: {
        decode: (payload: Buffer) => Promise<Buffer>;
        parse: (payload: Buffer) => Promise<T>;
      };
      requestTimeout?: number;
    }): Promise<T>;
  };
  initProducerId(args: {
    transactionalId?: string;
    transactionTimeout: number;
  }): Promise<{ producerId: string; producerEpoch: number }>;
}

/** The kafkajs Cluster members used here. */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string }): Promise<WireBroker>;
}

/** One request: the body after the request header, and how to read the response body. */
export interface WireRequest<T> {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  body: Buffer;
  /** Reads the response body (after the correlation id); throws on an error code. */
  parse: (payload: Buffer) => T;
  /** Overrides the client's request timeout (a Fetch's own wait must fit under it). */
  timeoutMs?: number;
}

const CREATE_CLUSTER = 'private:Kafka:createCluster';

/**
 * A kafkajs cluster of its own (its own connections and metadata), created
 * with the configuration of the given client: brokers, TLS, SASL, timeouts.
 */
export class WireCluster {
  private constructor(private readonly cluster: KafkajsCluster) {}

  static async open(kafka: Kafka): Promise<WireCluster> {
    const symbol = Object.getOwnPropertySymbols(kafka).find(
      (s) => s.description === CREATE_CLUSTER,
    );
    const create = symbol && (kafka as unknown as Record<symbol, unknown>)[symbol];
    if (typeof create !== 'function')
      throw new Error(
        'kafkajs is not 2.2.4: its internal cluster factory was not found (package.json pins kafkajs 2.2.4)',
      );
    const cluster = (create as (options: object) => KafkajsCluster)({
      allowAutoTopicCreation: false,
    });
    await cluster.connect();
    return new WireCluster(cluster);
  }

  /** The leader of a partition, from metadata fetched once and on `refresh`. */
  async leader(topic: string, partition: number): Promise<WireBroker> {
    return refusalsTyped(`finding the leader of ${topic}[${partition}]`, () =>
      this.findLeader(topic, partition),
    );
  }

  private async findLeader(topic: string, partition: number): Promise<WireBroker> {
    await this.cluster.addTargetTopic(topic);
    const leaders = this.cluster.findLeaderForPartitions(topic, [partition]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) {
      await this.cluster.refreshMetadata();
      const again = Object.keys(this.cluster.findLeaderForPartitions(topic, [partition]))[0];
      if (again === undefined) throw new UnknownPartitionError(topic, partition);
      return this.cluster.findBroker({ nodeId: again });
    }
    return this.cluster.findBroker({ nodeId });
  }

  /** Forgets the known leaders: after a leader change or a topic's re-creation. */
  async refresh(): Promise<void> {
    await refusalsTyped('refreshing metadata', () => this.cluster.refreshMetadata());
  }

  /**
   * One request to `broker`. A connection opened on the way authenticates
   * first; if the broker refuses the credentials then (a password rotated
   * under a running worker), that is KafkaAuthenticationError, which no
   * caller retries.
   */
  async send<T>(broker: WireBroker, request: WireRequest<T>): Promise<T> {
    return refusalsTyped(`sending ${request.apiName}`, () => this.request(broker, request));
  }

  private request<T>(broker: WireBroker, request: WireRequest<T>): Promise<T> {
    const { body, parse } = request;
    return broker.connectionPool.send<T>({
      request: {
        apiKey: request.apiKey,
        apiVersion: request.apiVersion,
        apiName: request.apiName,
        encode: () => Promise.resolve({ buf: body, buffer: body }),
      },
      response: {
        decode: (payload) => Promise.resolve(payload),
        parse: (payload) => Promise.resolve(parse(payload)),
      },
      ...(request.timeoutMs === undefined ? {} : { requestTimeout: request.timeoutMs }),
    });
  }

  async close(): Promise<void> {
    await this.cluster.disconnect();
  }
}

/** Runs `call`, turning kafkajs's refusal of our credentials into the product's definitive error. */
async function refusalsTyped<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isAuthenticationError(err)) throw new KafkaAuthenticationError(what, err);
    throw err;
  }
}

/** The metadata names no leader for the partition: the topic or partition does not exist (yet). */
export class UnknownPartitionError extends Error {
  readonly type = 'UNKNOWN_TOPIC_OR_PARTITION';
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {
    super(
      `${topic}[${partition}] has no leader in the cluster's metadata: the topic or partition does not exist`,
    );
    this.name = 'UnknownPartitionError';
  }
}
