import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { StackConfig } from './stack-config.js';
import { fetchJars } from './fetch-jars.js';
import { kafkaTlsFiles, tlsListenerSettings } from './kafka-tls.js';
import { isAlive, type ProcessRegistry } from './process-registry.js';
import { Kafka, logLevel } from 'kafkajs';
import { waitUntil } from './wait-until.js';
import { recordKafkaVersion } from './running-versions.js';

/** One KRaft node acting as broker and controller, on loopback only. */
export async function startKafka(
  cfg: StackConfig,
  procs: ProcessRegistry,
  log: (l: string) => void,
): Promise<'started' | 'running' | 'external'> {
  if (procs.pid('kafka') !== undefined) return 'running';
  if (await portOpen(cfg.kafka.port)) {
    // A healthy broker someone else started (another checkout, a compose
    // stack) is reused like an existing Redis; `down` will leave it alone.
    if (await kafkaReady(cfg.kafka.port).catch(() => undefined)) return 'external';
    throw new Error(
      `port ${cfg.kafka.port} is taken by a process the stack did not start; stop it or set EVOLVE_STACK_KAFKA_PORT`,
    );
  }
  for (const [listener, p, variable] of [
    ['SASL', cfg.kafka.sasl.port, 'EVOLVE_STACK_KAFKA_SASL_PORT'],
    ['TLS', cfg.kafka.tls.port, 'EVOLVE_STACK_KAFKA_TLS_PORT'],
  ] as const)
    if (await portOpen(p))
      throw new Error(
        `port ${p} (Kafka's ${listener} listener) is taken by a process the stack did not start; stop it or set ${variable}`,
      );
  const v = cfg.versions;
  const lib = fetchJars(
    'kafka',
    v.kafka,
    { 'kafka.version': v.kafka, ...(v.kafkaMajor === 4 ? { 'kafka.line': '4' } : {}) },
    cfg.libDir,
    log,
  );
  const home = join(cfg.dir, 'kafka');
  const dataDir = join(home, 'data');
  mkdirSync(dataDir, { recursive: true });
  const props = join(home, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${cfg.kafka.controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${cfg.kafka.port},CONTROLLER://127.0.0.1:${cfg.kafka.controllerPort},SASL_PLAINTEXT://127.0.0.1:${cfg.kafka.sasl.port},SSL://127.0.0.1:${cfg.kafka.tls.port}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${cfg.kafka.port},SASL_PLAINTEXT://127.0.0.1:${cfg.kafka.sasl.port},SSL://127.0.0.1:${cfg.kafka.tls.port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL',
      ...saslListener(cfg.kafka.sasl),
      ...tlsListenerSettings(kafkaTlsFiles(cfg.kafka.tls)),
      `log.dirs=${dataDir}`,
      'num.partitions=1',
      // Production-like: a topic that does not exist is an error, not a surprise.
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=4',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=4',
      'group.initial.rebalance.delay.ms=0',
      'delete.topic.enable=true',
      'log.cleaner.backoff.ms=1000',
      '',
    ].join('\n'),
  );
  const logging = writeKafkaLogging(home, v.kafkaMajor);
  const classpath = `${lib}/*`;
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const clusterId = newKafkaClusterId();
    const format = spawnSync(
      'java',
      [
        '-cp',
        classpath,
        logging,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        props,
        '--ignore-formatted',
      ],
      { encoding: 'utf8' },
    );
    if (format.status !== 0)
      throw new Error(`formatting Kafka storage failed:\n${format.stdout}${format.stderr}`);
  }
  const pid = procs.start(
    'kafka',
    'java',
    [
      `-Xms${cfg.kafka.heap}`,
      `-Xmx${cfg.kafka.heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      logging,
      '-cp',
      classpath,
      'kafka.Kafka',
      props,
    ],
    { cwd: home },
  );
  recordKafkaVersion(cfg);
  await waitUntil('Kafka', () => kafkaReady(cfg.kafka.port), {
    timeoutMs: 90_000,
    alive: () => isAlive(pid),
    logFile: procs.logFile('kafka'),
  });
  return 'started';
}

/**
 * The SASL_PLAINTEXT listener's settings: PLAIN with one user, defined in the
 * broker's own JAAS entry (no file, no ZooKeeper, no SCRAM credentials to create).
 */
function saslListener(sasl: StackConfig['kafka']['sasl']): string[] {
  const quote = (v: string) => `"${v}"`;
  return [
    'sasl.enabled.mechanisms=PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ' +
      `username=${quote(sasl.username)} password=${quote(sasl.password)} ` +
      `user_${sasl.username}=${quote(sasl.password)};`,
  ];
}

/**
 * Kafka 3 logs through reload4j, Kafka 4 through log4j2: each reads its own
 * file format from its own system property. Returns that JVM flag.
 */
function writeKafkaLogging(home: string, major: 3 | 4): string {
  if (major === 3) {
    const file = join(home, 'log4j.properties');
    writeFileSync(
      file,
      [
        'log4j.rootLogger=INFO, stdout',
        'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
        'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
        'log4j.logger.kafka.log.LogCleaner=INFO',
        'log4j.logger.state.change.logger=WARN',
        '',
      ].join('\n'),
    );
    return `-Dlog4j.configuration=file:${file}`;
  }
  const file = join(home, 'log4j2.properties');
  writeFileSync(
    file,
    [
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.stdout.ref = STDOUT',
      'appender.stdout.name = STDOUT',
      'appender.stdout.type = Console',
      'appender.stdout.layout.type = PatternLayout',
      'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
      'logger.statechange.name = state.change.logger',
      'logger.statechange.level = WARN',
      '',
    ].join('\n'),
  );
  return `-Dlog4j2.configurationFile=file:${file}`;
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Ready means the broker answers metadata requests, not merely that its port is open. */
export async function kafkaReady(port: number): Promise<true | undefined> {
  if (!(await portOpen(port))) return undefined;
  const admin = new Kafka({
    clientId: 'evolve-stack-probe',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null ? true : undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * A KRaft cluster id: 16 random bytes, base64url. One time in 64 that text
 * starts with '-', and kafka-storage's argument parser then takes it for an
 * option ("--cluster-id: expected one argument"), so such ids are drawn again.
 */
export function newKafkaClusterId(random: (size: number) => Buffer = randomBytes): string {
  let id: string;
  do id = random(16).toString('base64url');
  while (id.startsWith('-'));
  return id;
}
