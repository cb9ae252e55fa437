import { describe, expect, it } from 'vitest';
import { stackConfig } from '../../stack/stack-config.js';
import { stackVersions } from '../../stack/stack-versions.js';
import { versionMismatches } from '../../stack/running-versions.js';

describe('stack versions', () => {
  it('defaults to Flink 1.20.3 with connector 3.4.0-1.20 and Kafka 3.9.1', () => {
    expect(stackVersions({})).toEqual({
      flink: '1.20.3',
      flinkKafkaConnector: '3.4.0-1.20',
      flinkMajor: 1,
      kafka: '3.9.1',
      kafkaMajor: 3,
    });
  });

  it('pairs Flink 2.2.x with connector 5.0.0-2.2 and takes any Kafka 4.x', () => {
    expect(
      stackVersions({ EVOLVE_STACK_FLINK_VERSION: '2.2.1', EVOLVE_STACK_KAFKA_VERSION: '4.4.0' }),
    ).toEqual({
      flink: '2.2.1',
      flinkKafkaConnector: '5.0.0-2.2',
      flinkMajor: 2,
      kafka: '4.4.0',
      kafkaMajor: 4,
    });
  });

  it('refuses a release it has no connector or config for, naming the variable', () => {
    expect(() => stackVersions({ EVOLVE_STACK_FLINK_VERSION: '2.1.0' })).toThrow(
      'EVOLVE_STACK_FLINK_VERSION=2.1.0 is not a Flink release the stack supports; use 1.20.x or 2.2.x (e.g. 1.20.3 or 2.2.1) or unset it.',
    );
    expect(() => stackVersions({ EVOLVE_STACK_KAFKA_VERSION: '3.8.0' })).toThrow(
      'EVOLVE_STACK_KAFKA_VERSION=3.8.0 is not a Kafka release the stack supports; use 3.9.x or 4.x (e.g. 3.9.1 or 4.4.0) or unset it.',
    );
  });

  it('names every component that runs another release than the one asked for', () => {
    const cfg = stackConfig({
      EVOLVE_STACK_FLINK_VERSION: '2.2.1',
      EVOLVE_STACK_KAFKA_VERSION: '4.4.0',
    });
    expect(versionMismatches(cfg, { flink: '2.2.1', gateway: '2.2.1', kafka: '4.4.0' })).toEqual(
      [],
    );
    expect(
      versionMismatches(cfg, { flink: undefined, gateway: undefined, kafka: undefined }),
    ).toEqual([]);
    expect(versionMismatches(cfg, { flink: '1.20.3', gateway: '1.20.3', kafka: '3.9.1' })).toEqual([
      'Flink on these ports runs 1.20.3 but EVOLVE_STACK_FLINK_VERSION asks for 2.2.1',
      'the SQL Gateway on these ports runs 1.20.3 but EVOLVE_STACK_FLINK_VERSION asks for 2.2.1',
      'Kafka on port 9092 runs 3.9.1 but EVOLVE_STACK_KAFKA_VERSION asks for 4.4.0',
    ]);
  });
});
