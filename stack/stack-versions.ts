/**
 * Which Flink and Kafka releases the local stack runs. Defaults are the
 * versions every CI run tests in full; the other supported line is tested by
 * CI's second stack (see README "Supported versions").
 */
export interface StackVersions {
  readonly flink: string;
  /** The flink-connector-kafka release built for that Flink line. */
  readonly flinkKafkaConnector: string;
  /** 1 or 2: Flink 2 renamed configuration keys and needs other jars. */
  readonly flinkMajor: 1 | 2;
  readonly kafka: string;
  /** 3 or 4: Kafka 4 logs through log4j2 and needs another logging binding. */
  readonly kafkaMajor: 3 | 4;
}

export const DEFAULT_FLINK_VERSION = '1.20.3';
export const DEFAULT_KAFKA_VERSION = '3.9.1';

// A connector release is built against one Flink minor line; the wrong one
// fails at job submission with NoSuchMethodError, so only known pairs run.
const FLINK_LINES: ReadonlyArray<{ line: RegExp; major: 1 | 2; connector: string }> = [
  { line: /^1\.20\.\d+$/, major: 1, connector: '3.4.0-1.20' },
  { line: /^2\.2\.\d+$/, major: 2, connector: '5.0.0-2.2' },
];
const KAFKA_LINES: ReadonlyArray<{ line: RegExp; major: 3 | 4 }> = [
  { line: /^3\.9\.\d+$/, major: 3 },
  { line: /^4\.\d+\.\d+$/, major: 4 },
];

export function stackVersions(env: NodeJS.ProcessEnv = process.env): StackVersions {
  const flink = env.EVOLVE_STACK_FLINK_VERSION || DEFAULT_FLINK_VERSION;
  const kafka = env.EVOLVE_STACK_KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
  const f = FLINK_LINES.find((l) => l.line.test(flink));
  if (!f) {
    throw new Error(
      `EVOLVE_STACK_FLINK_VERSION=${flink} is not a Flink release the stack supports; use 1.20.x or 2.2.x (e.g. ${DEFAULT_FLINK_VERSION} or 2.2.1) or unset it.`,
    );
  }
  const k = KAFKA_LINES.find((l) => l.line.test(kafka));
  if (!k) {
    throw new Error(
      `EVOLVE_STACK_KAFKA_VERSION=${kafka} is not a Kafka release the stack supports; use 3.9.x or 4.x (e.g. ${DEFAULT_KAFKA_VERSION} or 4.4.0) or unset it.`,
    );
  }
  return {
    flink,
    flinkKafkaConnector: f.connector,
    flinkMajor: f.major,
    kafka,
    kafkaMajor: k.major,
  };
}
