import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StackConfig } from './stack-config.js';
import { fetchJars } from './fetch-jars.js';
import { portOpen } from './kafka-node.js';
import { isAlive, type ProcessRegistry } from './process-registry.js';
import { httpJson, waitUntil } from './wait-until.js';

export interface FlinkDirs {
  readonly conf: string;
  readonly savepoints: string;
  readonly checkpoints: string;
}

export function flinkDirs(cfg: StackConfig): FlinkDirs {
  const home = join(cfg.dir, 'flink');
  return {
    conf: join(home, 'conf'),
    savepoints: join(home, 'savepoints'),
    checkpoints: join(home, 'checkpoints'),
  };
}

function writeConfig(cfg: StackConfig): FlinkDirs {
  const dirs = flinkDirs(cfg);
  const tmp = join(cfg.dir, 'flink', 'tmp');
  for (const d of [dirs.conf, dirs.savepoints, dirs.checkpoints, tmp])
    mkdirSync(d, { recursive: true });
  const f = cfg.flink;
  // Flat keys are valid in the 1.19+ config.yaml (the only file Flink 2 reads)
  // and keep this readable.
  const conf: Record<string, string | number | boolean> = {
    'jobmanager.rpc.address': '127.0.0.1',
    'jobmanager.rpc.port': f.rpcPort,
    'jobmanager.bind-host': '127.0.0.1',
    'taskmanager.host': '127.0.0.1',
    'taskmanager.bind-host': '127.0.0.1',
    'rest.address': '127.0.0.1',
    'rest.bind-address': '127.0.0.1',
    'rest.port': f.restPort,
    'jobmanager.memory.process.size': f.jobManagerProcessSize,
    'taskmanager.memory.process.size': f.taskManagerProcessSize,
    // The hashmap backend keeps state on the heap; managed memory would sit idle.
    'taskmanager.memory.managed.fraction': 0.1,
    'taskmanager.numberOfTaskSlots': f.slots,
    'parallelism.default': 1,
    'state.backend.type': 'hashmap',
    'execution.checkpointing.interval': '5s',
    ...checkpointDirKeys(cfg.versions.flinkMajor, dirs),
    'io.tmp.dirs': tmp,
    'web.tmpdir': tmp,
    // A failed job restarts a few times, then fails visibly instead of looping forever.
    'restart-strategy.type': 'fixed-delay',
    'restart-strategy.fixed-delay.attempts': 3,
    'restart-strategy.fixed-delay.delay': '2s',
    // Its one TaskManager registers within seconds of `up`: a job no slot can
    // serve fails at once (NoResourceAvailableException) instead of waiting
    // for more TaskManagers for slot.request.timeout (5 min) after a start.
    'resourcemanager.standalone.start-up-time': '10s',
    'execution.target': 'remote',
    'sql-gateway.endpoint.rest.address': '127.0.0.1',
    'sql-gateway.endpoint.rest.bind-address': '127.0.0.1',
    'sql-gateway.endpoint.rest.port': f.gatewayPort,
  };
  writeFileSync(
    join(dirs.conf, 'config.yaml'),
    Object.entries(conf)
      .map(([k, v]) => `${k}: ${typeof v === 'string' && /[:#]/.test(v) ? JSON.stringify(v) : v}`)
      .join('\n') + '\n',
  );
  const log4j = [
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.console.ref = ConsoleAppender',
    'appender.console.name = ConsoleAppender',
    'appender.console.type = CONSOLE',
    'appender.console.layout.type = PatternLayout',
    'appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n',
    'logger.kafka.name = org.apache.kafka',
    'logger.kafka.level = WARN',
    '',
  ].join('\n');
  for (const name of ['log4j.properties', 'log4j-console.properties', 'log4j-session.properties']) {
    writeFileSync(join(dirs.conf, name), log4j);
  }
  return dirs;
}

/**
 * Flink 1.20 renamed the checkpoint and savepoint directory keys and still
 * reads the old ones; Flink 2 reads only the new ones. The old names stay on
 * 1.20 because that is what its operators know (and /jobmanager/config shows).
 */
function checkpointDirKeys(major: 1 | 2, dirs: FlinkDirs): Record<string, string> {
  const checkpoints = pathToFileURL(dirs.checkpoints).href;
  const savepoints = pathToFileURL(dirs.savepoints).href;
  return major === 1
    ? { 'state.checkpoints.dir': checkpoints, 'state.savepoints.dir': savepoints }
    : {
        'execution.checkpointing.dir': checkpoints,
        'execution.checkpointing.savepoint-dir': savepoints,
      };
}

/**
 * The JVM flags Flink's own shell scripts would compute from the configured
 * process sizes (heap, direct, metaspace), asked from BashJavaUtils so they
 * always match the configuration.
 */
function resourceParams(
  classpath: string,
  confDir: string,
  which: 'JM' | 'TM',
): { jvm: string[]; dynamic: string[] } {
  const run = spawnSync(
    'java',
    [
      '-cp',
      classpath,
      'org.apache.flink.runtime.util.bash.BashJavaUtils',
      `GET_${which}_RESOURCE_PARAMS`,
      '--configDir',
      confDir,
    ],
    { encoding: 'utf8' },
  );
  const lines = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('BASH_JAVA_UTILS_EXEC_RESULT:'))
    .map((l) => l.slice('BASH_JAVA_UTILS_EXEC_RESULT:'.length).trim());
  if (run.status !== 0 || lines.length < 1) {
    throw new Error(
      `Flink could not compute ${which} memory settings:\n${run.stdout}${run.stderr}`,
    );
  }
  const jvm = (lines[0] ?? '').split(/\s+/).filter(Boolean);
  const dynamic = (lines[1] ?? '').split(/\s+/).filter(Boolean);
  return { jvm, dynamic };
}

export async function startFlink(
  cfg: StackConfig,
  procs: ProcessRegistry,
  log: (l: string) => void,
): Promise<string[]> {
  const v = cfg.versions;
  const lib = fetchJars(
    'flink',
    v.flink,
    { 'flink.version': v.flink, 'kafka.connector.version': v.flinkKafkaConnector },
    cfg.libDir,
    log,
  );
  const classpath = `${lib}/*`;
  const dirs = writeConfig(cfg);
  const env = { FLINK_CONF_DIR: dirs.conf };
  const logProps = (name: string) => [
    `-Dlog4j.configurationFile=file:${join(dirs.conf, 'log4j.properties')}`,
    `-Dlog.file=${procs.logFile(name)}`,
  ];
  const done: string[] = [];
  const rest = `http://127.0.0.1:${cfg.flink.restPort}`;

  if (
    procs.pid('flink-jobmanager') === undefined &&
    (await flinkAnswers(rest, cfg.flink.gatewayPort))
  ) {
    // A whole healthy cluster someone else started: reuse it, start nothing.
    return ['external'];
  }
  if (procs.pid('flink-jobmanager') === undefined) {
    if (await portOpen(cfg.flink.restPort)) {
      throw new Error(
        `port ${cfg.flink.restPort} is taken by a process the stack did not start; stop it or set EVOLVE_STACK_FLINK_REST_PORT`,
      );
    }
    const { jvm, dynamic } = resourceParams(classpath, dirs.conf, 'JM');
    const pid = procs.start(
      'flink-jobmanager',
      'java',
      [
        ...jvm,
        ...logProps('flink-jobmanager'),
        '-cp',
        classpath,
        'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint',
        '--configDir',
        dirs.conf,
        ...dynamic,
      ],
      { cwd: cfg.dir, env },
    );
    await waitUntil(
      'Flink JobManager',
      async () => ((await httpJson(`${rest}/overview`)) ? true : undefined),
      {
        timeoutMs: 90_000,
        alive: () => isAlive(pid),
        logFile: procs.logFile('flink-jobmanager'),
      },
    );
    done.push('flink-jobmanager');
  }

  if (procs.pid('flink-taskmanager') === undefined) {
    const { jvm, dynamic } = resourceParams(classpath, dirs.conf, 'TM');
    const pid = procs.start(
      'flink-taskmanager',
      'java',
      [
        ...jvm,
        ...logProps('flink-taskmanager'),
        '-cp',
        classpath,
        'org.apache.flink.runtime.taskexecutor.TaskManagerRunner',
        '--configDir',
        dirs.conf,
        ...dynamic,
      ],
      { cwd: cfg.dir, env },
    );
    await waitUntil(
      `Flink TaskManager (${cfg.flink.slots} slots)`,
      async () => {
        const o = (await httpJson(`${rest}/overview`)) as {
          taskmanagers?: number;
          'slots-total'?: number;
        };
        return (o.taskmanagers ?? 0) >= 1 && (o['slots-total'] ?? 0) >= cfg.flink.slots
          ? true
          : undefined;
      },
      { timeoutMs: 90_000, alive: () => isAlive(pid), logFile: procs.logFile('flink-taskmanager') },
    );
    done.push('flink-taskmanager');
  }

  if (procs.pid('flink-sql-gateway') === undefined) {
    if (await portOpen(cfg.flink.gatewayPort)) {
      throw new Error(
        `port ${cfg.flink.gatewayPort} is taken by a process the stack did not start; stop it or set EVOLVE_STACK_FLINK_GATEWAY_PORT`,
      );
    }
    const pid = procs.start(
      'flink-sql-gateway',
      'java',
      [
        `-Xmx${cfg.flink.gatewayHeap}`,
        `-Xms256m`,
        ...logProps('flink-sql-gateway'),
        '-cp',
        classpath,
        'org.apache.flink.table.gateway.SqlGateway',
      ],
      { cwd: cfg.dir, env },
    );
    await waitUntil(
      'Flink SQL Gateway',
      async () =>
        (await httpJson(`http://127.0.0.1:${cfg.flink.gatewayPort}/v1/info`)) ? true : undefined,
      { timeoutMs: 90_000, alive: () => isAlive(pid), logFile: procs.logFile('flink-sql-gateway') },
    );
    done.push('flink-sql-gateway');
  }
  return done;
}

async function flinkAnswers(rest: string, gatewayPort: number): Promise<boolean> {
  try {
    const o = (await httpJson(`${rest}/overview`)) as { taskmanagers?: number };
    await httpJson(`http://127.0.0.1:${gatewayPort}/v1/info`);
    return (o.taskmanagers ?? 0) > 0;
  } catch {
    return false;
  }
}
