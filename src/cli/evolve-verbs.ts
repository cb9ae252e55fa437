import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { plural } from '../evolution/plural.js';
import { productionNow } from '../evolution/production-now.js';
import type { EvolutionStatus } from '../evolution/evolution-status.js';
import { EvolveError } from '../errors.js';
import { assertCliActor } from '../evolution/access.js';
import type { AuditEvent } from '../evolution/audit-event.js';
import { describeChanges } from '../evolution/pipeline-changes.js';
import type { Actor } from '../service/evolution-service.js';
import type { CliContext } from './cli-context.js';
import type { ReadContext } from './read-context.js';
import type { Evolution } from '../evolution/evolution.js';
import { followThread } from './follow-thread.js';
import { followedState, type ShadowHealth } from '../evolution/shadow-health.js';
import { displayState, stateWords } from '../evolution/display-state.js';
import { shortHash } from '../evolution/sql-hash.js';
import { productionLine, shadowLine, warningLines } from './status-lines.js';
import { rollbackWindowText } from '../evolution/rollback-window-text.js';
import { DIFF_LABELS, diffCountsText } from './terminal-text.js';

const FOLLOW_MS = 30 * 60_000;

async function inContext<C extends Pick<CliContext, 'names' | 'close'>>(
  c: C,
  f: (c: C) => Promise<void>,
): Promise<void> {
  try {
    await f(c);
  } catch (err) {
    if (!(err instanceof EvolveError)) throw err;
    // A refusal names people too ("ask an owner (<@U…>)"): by name, as every other line.
    await c.names.learn([err.userMessage]);
    console.error(`evolve: ${c.names.render(err.userMessage)}`);
    process.exitCode = 1;
  } finally {
    await c.close();
  }
}

/** The whole runtime (queues, Kafka, Flink), loaded per call: `evolve --help` needs none of it. */
async function withContext(f: (c: CliContext) => Promise<void>): Promise<void> {
  const { cliContext } = await import('./cli-context.js');
  await inContext(await cliContext(), f);
}

/** The stores alone, for the verbs that only read: they answer without loading the rest. */
async function withReader(f: (c: ReadContext) => Promise<void>): Promise<void> {
  const { readContext } = await import('./read-context.js');
  await inContext(readContext(), f);
}

/** Flink's word on a shadow under evaluation (status); this much of the runtime loads only then. */
async function watchedShadowHealth(ev: Evolution): Promise<ShadowHealth | undefined> {
  const { cliContext } = await import('./cli-context.js');
  const c = await cliContext();
  try {
    return await c.runtime.service.watchedShadowHealth(ev);
  } finally {
    await c.close();
  }
}

/**
 * Who acts from the terminal. `--as` is declared, not proven (the CLI is an
 * operator tool for people who hold Redis access), so it must name a person
 * the rules know (assertCliActor), and every audit event records the OS user
 * and host it came from.
 */
async function actorOf(
  c: CliContext,
  opts: { as?: string },
  pipelineName: string,
  verb: string,
  registered = true,
): Promise<Actor> {
  const id = opts.as ?? process.env.EVOLVE_CLI_AS;
  if (!id) {
    throw new EvolveError(
      'INPUT_INVALID',
      'Say who is acting: --as <Slack user id> (or set EVOLVE_CLI_AS). Permissions are the pipeline’s owners and approvers, and EVOLVE_ADMINS.',
    );
  }
  const origin = cliOrigin();
  const pipeline = registered ? await c.runtime.service.pipelineNamed(pipelineName) : undefined;
  try {
    assertCliActor(id, pipeline, c.config.admins);
  } catch (err) {
    // A refused identity is an attempt like any other: audited, with where it came from.
    if (err instanceof EvolveError) {
      await c.runtime.workflow.audit.append({
        evolutionId: '',
        pipeline: pipelineName,
        actor: id.slice(0, 64),
        action: `cli ${verb}`,
        accepted: false,
        reason: err.userMessage,
        code: err.code,
        at: Date.now(),
        origin,
      });
    }
    throw err;
  }
  return { id, origin };
}

function cliOrigin(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown';
  }
  return `cli ${user}@${hostname()}`;
}

async function follow(
  c: CliContext,
  evolutionId: string,
  until: EvolutionStatus[],
  wait: boolean,
): Promise<void> {
  if (!wait) return;
  const status = await followThread(
    c.runtime.threadLog,
    c.runtime.workflow.evolutions,
    evolutionId,
    {
      until,
      timeoutMs: FOLLOW_MS,
      tty: process.stdout.isTTY,
      names: c.names,
    },
  );
  await c.names.say(`${evolutionId}: ${status}`);
  if (status === 'FAILED' || status === 'ROLLED_BACK') process.exitCode = 1;
}

/** After develop: a shadow that started but does not run is said here too, and the exit code says it. */
async function reportUnhealthyShadow(c: CliContext, evolutionId: string): Promise<void> {
  const ev = await c.runtime.service.evolution(evolutionId);
  const shadow = await c.runtime.service.watchedShadowHealth(ev);
  if (!shadow || shadow.state === 'RUNNING' || !ev.shadow.jobId) return;
  await c.names.say(shadowLine(ev.shadow.jobId, shadow));
  process.exitCode = 1;
}

/** A Slack user id as a mention, so the terminal names the person; other actors (system) as they are. */
function mention(actor: string): string {
  return /^[UW][A-Z0-9]{2,20}$/.test(actor) ? `<@${actor}>` : actor;
}

/** One audit event: when, who (and from where, for the CLI), what, and its outcome. */
function auditLine(a: AuditEvent): string {
  const who = a.origin ? `${mention(a.actor)} (${a.origin})` : mention(a.actor);
  const outcome = !a.accepted
    ? `refused: ${a.reason}`
    : a.changes
      ? describeChanges(a.changes).join('; ') || 'unchanged'
      : `${a.before ?? '-'} -> ${a.after ?? '-'}`;
  return `${new Date(a.at).toISOString()} ${who} ${a.action} ${outcome}`;
}

/** The Slack verbs, for the terminal: same service, same permissions, same audit. */
export function registerEvolveVerbs(program: Command): void {
  const asOption = ['--as <user>', 'Slack user id acting (or EVOLVE_CLI_AS)'] as const;

  program
    .command('pipelines')
    .description('list registered pipelines')
    .action(() =>
      withReader(async (c) => {
        for (const p of await c.reader.pipelines()) {
          await c.names.say(
            `${p.name.padEnd(24)} ${p.kafka.outputTopic.padEnd(32)} job ${p.production.flinkJobId} sql ${p.production.sqlHash}`,
          );
        }
      }),
    );

  program
    .command('register <file>')
    .description(
      'register (or update) the pipelines of a YAML file (administrators; owners for a few fields)',
    )
    .option(...asOption)
    .action((file: string, o: { as?: string }) =>
      withContext(async (c) => {
        const { loadPipelinesFile, pipelineDefaultsFrom } =
          await import('../config/pipelines-file.js');
        const pipelines = await loadPipelinesFile(file, pipelineDefaultsFrom(c.config));
        for (const p of pipelines) {
          const known = await c.runtime.service.pipelineNamed(p.name).catch(() => undefined);
          const actor = await actorOf(c, o, p.name, 'register', known !== undefined);
          const r = await c.runtime.service.register(p, actor, { announceFrom: 'the CLI' });
          const what = r.created
            ? `registered ${p.name} (production job ${r.pipeline.production.flinkJobId})`
            : r.changes.length === 0
              ? `${p.name} unchanged`
              : `changed ${p.name}:\n${describeChanges(r.changes)
                  .map((l) => `  ${l}`)
                  .join('\n')}`;
          await c.names.say(what);
        }
      }),
    );

  program
    .command('develop <pipeline>')
    .description('start v2 as a shadow job writing to a TEMP topic')
    .requiredOption('--sql-file <file>', 'the v2 SQL script')
    .option(...asOption)
    .option('--channel <id>', "Slack channel for the thread (default: the pipeline's slackChannel)")
    .option('--no-wait', 'return once queued')
    .action(
      (pipeline: string, o: { sqlFile: string; as?: string; channel?: string; wait: boolean }) =>
        withContext(async (c) => {
          const sql = await readFile(o.sqlFile, 'utf8');
          const actor = await actorOf(c, o, pipeline, 'develop');
          const channel =
            o.channel ?? (await c.runtime.service.pipelineNamed(pipeline)).slackChannel ?? '';
          const ev = await c.runtime.service.develop({ pipeline, sql, actor, channel });
          await c.names.say(`evolution ${ev.id} started; shadow writes to ${ev.shadow.tempTopic}`);
          await c.names.say(
            channel
              ? `its thread is in Slack channel ${channel}`
              : `no Slack thread: pipeline ${pipeline} names no slackChannel (follow it here, or with evolve status)`,
          );
          await follow(c, ev.id, ['SHADOW_RUNNING'], o.wait);
          if (o.wait) await reportUnhealthyShadow(c, ev.id);
        }),
    );

  program
    .command('rollback <pipeline>')
    .description(
      "after v2 went live: start the evolution back to v1 (restored from S1; the backfill restores v1's answers)",
    )
    .option(...asOption)
    .option('--channel <id>', "Slack channel for the thread (default: the pipeline's slackChannel)")
    .option('--no-wait', 'return once queued')
    .action((pipeline: string, o: { as?: string; channel?: string; wait: boolean }) =>
      withContext(async (c) => {
        const actor = await actorOf(c, o, pipeline, 'rollback');
        const channel =
          o.channel ?? (await c.runtime.service.pipelineNamed(pipeline)).slackChannel ?? '';
        const ev = await c.runtime.service.rollback({ pipeline, actor, channel });
        await c.names.say(
          `rollback ${ev.id} of ${ev.rollbackOf?.evolutionId} started; v1 restored from S1 (${ev.rollbackOf?.savepoint}) writes to ${ev.shadow.tempTopic}`,
        );
        await follow(c, ev.id, ['SHADOW_RUNNING'], o.wait);
        if (o.wait) await reportUnhealthyShadow(c, ev.id);
      }),
    );

  program
    .command('status <pipeline>')
    .description('the current (or last) evolution and its thread')
    .action((pipeline: string) =>
      withReader(async (c) => {
        const view = await c.reader.status(pipeline);
        await c.names.say(
          `pipeline ${view.pipeline.name}: production job ${view.pipeline.production.flinkJobId}, sql ${view.pipeline.production.sqlHash}`,
        );
        if (!view.evolution) return c.names.say('no evolution yet');
        const ev = view.evolution;
        // Flink's word on the shadow, not only the stored state (a crash-looping shadow is not "running").
        const shadow = view.active ? await watchedShadowHealth(ev) : undefined;
        await c.names.say(
          `evolution ${ev.id}: ${stateWords(followedState(view.state ?? ev.status, shadow))} (v2 sql ${shortHash(ev.v2.hash)}, requested by <@${ev.requester}>)`,
        );
        if (shadow && ev.shadow.jobId) await c.names.say(shadowLine(ev.shadow.jobId, shadow));
        const production = productionNow(ev);
        if (production) await c.names.say(productionLine(production));
        if (ev.rollbackOf)
          await c.names.say(
            `a rollback of ${ev.rollbackOf.evolutionId}: v2 is its v1, restored from S1`,
          );
        const rollback = rollbackWindowText(ev, Date.now());
        if (rollback)
          await c.names.say(
            `${rollback.text}${rollback.open ? ` (evolve rollback ${ev.pipeline} --as <owner>)` : ''}`,
          );
        if (ev.status === 'AWAITING_APPROVAL')
          for (const line of warningLines(ev.approval?.warnings)) await c.names.say(line);
        const thread = await c.threadLog.read(ev.id);
        await c.names.learn(thread.map((e) => e.text));
        for (const e of thread) {
          if (e.kind !== 'status')
            await c.names.say(`  ${new Date(e.at).toISOString().slice(11, 19)} ${e.text}`);
        }
      }),
    );

  program
    .command('diff <pipeline>')
    .description('keys same / changed / only in v1 / only in v2')
    .option(...asOption)
    .action((pipeline: string, o: { as?: string }) =>
      withContext(async (c) => {
        const d = await c.runtime.service.diff(pipeline, await actorOf(c, o, pipeline, 'diff'));
        for (const k of Object.keys(DIFF_LABELS) as (keyof typeof DIFF_LABELS)[])
          await c.names.say(
            `${DIFF_LABELS[k].padEnd(30)} ${String(d.counts[k]).padStart(10)}  ${d.samples[k].slice(0, 3).join(', ')}`,
          );
      }),
    );

  program
    .command('deploy <pipeline>')
    .description('ask for approval to deploy v2')
    .option(...asOption)
    .action((pipeline: string, o: { as?: string }) =>
      withContext(async (c) => {
        const { evolution, diff, warnings } = await c.runtime.service.requestDeploy(
          pipeline,
          await actorOf(c, o, pipeline, 'deploy'),
        );
        // The thread hears the request as from /evolve deploy (the approval message with its
        // buttons, the card): approvers in Slack decide there. Nothing is posted without a channel.
        const shadow = await c.runtime.service.shadowHealth(evolution).catch(() => undefined);
        await c.runtime.slackStream.postApprovalRequest(evolution, {
          ...(diff ? { report: diff } : {}),
          ...(shadow ? { shadow } : {}),
        });
        await c.runtime.slackStream.updateStatusCard(evolution);
        await c.names.say(
          `approval requested for ${evolution.id}, v2 sql ${evolution.v2.hash}; an approver runs: evolve approve ${pipeline} --as <id>`,
        );
        if (diff) await c.names.say(`keys: ${diffCountsText(diff.counts)}`);
        for (const line of warningLines(warnings)) await c.names.say(line);
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(`${decision} <pipeline>`)
      .description(
        decision === 'approve'
          ? 'approve the pending deploy (then follow it)'
          : 'reject the pending deploy',
      )
      .option(...asOption)
      .option('--no-wait', 'return once decided')
      .action((pipeline: string, o: { as?: string; wait: boolean }) =>
        withContext(async (c) => {
          const actor = await actorOf(c, o, pipeline, decision);
          const ev = await c.runtime.service.active(pipeline);
          const shown = ev.approval?.shownSqlHash ?? ev.v2.hash;
          // The approver sees what the request warned about before deciding, as in Slack.
          if (decision === 'approve')
            for (const line of warningLines(ev.approval?.warnings)) await c.names.say(line);
          await c.names.say(`${decision} ${ev.id} (v2 sql ${shown})`);
          const after = await c.runtime.service.decide({
            evolutionId: ev.id,
            shownSqlHash: shown,
            actor,
            decision,
          });
          if (decision === 'approve') await follow(c, after.id, ['LIVE'], o.wait);
        }),
      );
  }

  program
    .command('backfill <pipeline>')
    .description('rewrite the production topic to v2 (throttled, verified)')
    .option(...asOption)
    .option('--rate <n>', 'records/s over all workers', Number)
    .option('--mode <mode>', 'full or refresh-only')
    .option('--no-wait', 'return once queued')
    .action((pipeline: string, o: { as?: string; rate?: number; mode?: string; wait: boolean }) =>
      withContext(async (c) => {
        if (o.mode !== undefined && o.mode !== 'full' && o.mode !== 'refresh-only') {
          throw new EvolveError(
            'INPUT_INVALID',
            `--mode must be full or refresh-only, got '${o.mode}'.`,
          );
        }
        const ev = await c.runtime.service.startBackfill(
          pipeline,
          await actorOf(c, o, pipeline, 'backfill'),
          {
            ...(o.rate !== undefined ? { rate: o.rate } : {}),
            ...(o.mode !== undefined ? { mode: o.mode as 'full' | 'refresh-only' } : {}),
          },
        );
        await c.names.say(
          `backfill ${ev.backfill?.runId} started at ${plural(ev.backfill?.rate ?? 0, 'record', 'records')}/s`,
        );
        await follow(c, ev.id, ['COMPLETED', 'LIVE'], o.wait);
      }),
    );

  program
    .command('throttle <pipeline> <rate>')
    .description('change the backfill rate (records/s)')
    .option(...asOption)
    .action((pipeline: string, rate: string, o: { as?: string }) =>
      withContext(async (c) => {
        const ev = await c.runtime.service.throttle(
          pipeline,
          await actorOf(c, o, pipeline, 'throttle'),
          Number(rate),
        );
        await c.names.say(
          `${ev.id}: backfill rate ${plural(ev.backfill?.rate ?? 0, 'record', 'records')}/s`,
        );
      }),
    );

  const controls = {
    pause: 'pause the backfill',
    resume: 'resume the backfill',
    cancel: 'cancel the backfill',
    complete: 'end a live evolution without a backfill; v2 stays production, TEMP is deleted',
    abort: 'stop the evolution before v2 is live; production untouched',
  } as const;
  for (const verb of Object.keys(controls) as (keyof typeof controls)[]) {
    program
      .command(`${verb} <pipeline>`)
      .description(controls[verb])
      .option(...asOption)
      .action((pipeline: string, o: { as?: string }) =>
        withContext(async (c) => {
          const ev = await c.runtime.service[verb](pipeline, await actorOf(c, o, pipeline, verb));
          await c.names.say(`${ev.id}: ${stateWords(displayState(ev, Date.now()))}`);
        }),
      );
  }

  program
    .command('history <pipeline>')
    .description('evolutions and audit events')
    .action((pipeline: string) =>
      withReader(async (c) => {
        const h = await c.reader.history(pipeline);
        // Each evolution with its own events under it; the pipeline's own (registrations) apart.
        const lines: string[] = [];
        for (const ev of h.evolutions) {
          lines.push(
            `${ev.id} ${ev.status.padEnd(18)} by ${mention(ev.requester)} ${new Date(ev.createdAt).toISOString()}` +
              (ev.rollbackOf ? ` rollback of ${ev.rollbackOf.evolutionId}` : '') +
              (ev.rolledBackBy ? ` rolled back by ${ev.rolledBackBy}` : ''),
          );
          for (const a of h.audit.filter((e) => e.evolutionId === ev.id))
            lines.push(`  ${auditLine(a)}`);
        }
        const shown = new Set(h.evolutions.map((ev) => ev.id));
        const others = h.audit.filter((e) => !shown.has(e.evolutionId));
        if (others.length > 0) lines.push(`pipeline ${pipeline}`);
        for (const a of others) lines.push(`  ${auditLine(a)}`);
        // Everyone named at once: one look-up, not one per line.
        await c.names.learn(lines);
        for (const line of lines) await c.names.say(line);
      }),
    );
}
