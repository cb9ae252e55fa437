import type { WebClient } from '@slack/web-api';
import type { EvolveCommand } from './evolve-command.js';
import type { DiffView, SlackCommands, SlackActor } from './slack-commands.js';
import type { Evolution } from '../evolution/evolution.js';
import type { ApprovalFacts } from '../slack-writer/slack-stream-entry.js';
import { approvalMessage } from './blocks/approval-message.js';
import type { ModalView } from '@slack/types';
import { EvolveError } from '../errors.js';
import { developModal, noticeModal, registerModal } from './blocks/form-modals.js';
import { helpMessage } from './blocks/help-message.js';
import { historyMessage, pipelinesMessage, plain } from './blocks/listing-messages.js';
import { statusCard, type SlackMessage } from './blocks/status-card.js';
import { defuseMrkdwn } from './blocks/slack-limits.js';

/**
 * Where the approval request goes: the Slack stream in a running bot (so it
 * keeps its place in the thread among the workers' milestones), or straight
 * to Slack (SlackThreadNotifier) where no writer runs.
 */
export interface ApprovalPoster {
  postApprovalRequest(evolution: Evolution, facts?: ApprovalFacts): Promise<unknown>;
  updateStatusCard(evolution: Evolution): Promise<void>;
}

export interface VerbContext {
  service: SlackCommands;
  actor: SlackActor;
  /** Modals must be opened with the command's trigger_id within 3 s of the command. */
  triggerId: string;
  client: Pick<WebClient, 'views'>;
  notifier: ApprovalPoster;
  now: () => number;
}

/**
 * Runs one parsed /evolve command: one service call, rendered. Returns the
 * ephemeral reply, or undefined when a modal was opened instead.
 */
export async function runEvolveVerb(
  command: EvolveCommand,
  ctx: VerbContext,
): Promise<SlackMessage | undefined> {
  const { service, actor } = ctx;
  switch (command.verb) {
    case 'help':
      return helpMessage();
    case 'pipelines':
      return pipelinesMessage(await service.listPipelines(actor));
    case 'register': {
      // The trigger_id lives 3 s: a placeholder now; the form only for someone who may register.
      const opened = await openView(ctx, noticeModal('Register a pipeline', 'Checking…'));
      let view: ModalView;
      try {
        await service.assertMayRegister(actor);
        view = registerModal(actor.channelId);
      } catch (err) {
        if (!(err instanceof EvolveError)) throw err;
        view = noticeModal('Cannot register', `:warning: ${err.userMessage}`);
      }
      await slackCall('update the form', () =>
        ctx.client.views.update({ view_id: opened.id, hash: opened.hash, view }),
      );
      return undefined;
    }
    case 'develop': {
      if (command.sqlUrl !== undefined) {
        return accepted(
          await service.startDevelop(actor, { pipeline: command.pipeline, sqlUrl: command.sqlUrl }),
        );
      }
      // The trigger_id lives 3 s: open a placeholder now, fill it when the service has answered.
      const opened = await openView(
        ctx,
        noticeModal('Develop v2', `Loading the production SQL of \`${command.pipeline}\`…`),
      );
      let view: ModalView;
      try {
        const form = await service.developForm(actor, command.pipeline);
        view = developModal({
          pipeline: form.pipeline,
          v1Sql: form.v1Sql,
          channelId: actor.channelId,
        });
      } catch (err) {
        if (!(err instanceof EvolveError)) throw err;
        view = noticeModal('Cannot develop', `:warning: ${defuseMrkdwn(err.userMessage)}`);
      }
      await slackCall('update the form', () =>
        ctx.client.views.update({ view_id: opened.id, hash: opened.hash, view }),
      );
      return undefined;
    }
    case 'status': {
      const view = await service.status(actor, command.pipeline);
      if (!view.evolution) {
        return plain(
          `Pipeline \`${view.pipeline}\` has no active evolution. Start one with \`/evolve develop ${view.pipeline}\`.`,
        );
      }
      return statusCard({
        evolution: view.evolution,
        now: ctx.now(),
        ...(view.shadow ? { shadow: view.shadow } : {}),
        ...(view.warnings ? { warnings: view.warnings } : {}),
      });
    }
    case 'diff': {
      const view = await service.diff(actor, command.pipeline);
      const message = approvalMessage({
        evolution: view.evolution,
        now: ctx.now(),
        withButtons: false,
        ...(view.shadow ? { shadow: view.shadow } : {}),
        ...(view.report ? { report: view.report } : {}),
        ...(view.backfillMode ? { backfillMode: view.backfillMode } : {}),
        ...(view.warnings ? { warnings: view.warnings } : {}),
      });
      return { text: message.text, blocks: message.blocks };
    }
    case 'deploy':
      return requestDeploy(command.pipeline, ctx);
    case 'backfill':
      return accepted(
        await service.startBackfill(actor, {
          pipeline: command.pipeline,
          ...(command.rate !== undefined ? { rate: command.rate } : {}),
          ...(command.mode !== undefined ? { mode: command.mode } : {}),
        }),
      );
    case 'throttle':
      return accepted(
        await service.throttleBackfill(actor, { pipeline: command.pipeline }, command.rate),
      );
    case 'pause':
      return accepted(await service.pauseBackfill(actor, { pipeline: command.pipeline }));
    case 'resume':
      return accepted(await service.resumeBackfill(actor, { pipeline: command.pipeline }));
    case 'cancel':
      return accepted(await service.cancelBackfill(actor, { pipeline: command.pipeline }));
    case 'complete':
      return accepted(await service.complete(actor, command.pipeline));
    case 'abort':
      return accepted(await service.abort(actor, command.pipeline));
    case 'rollback':
      return accepted(await service.rollback(actor, command.pipeline));
    case 'history':
      return historyMessage(await service.history(actor, command.pipeline));
  }
}

/**
 * The request is recorded first; then the approval message goes to the
 * evolution's thread. If the facts for it cannot be gathered, the request
 * still stands and the person is told how to see them.
 */
async function requestDeploy(pipeline: string, ctx: VerbContext): Promise<SlackMessage> {
  const { service, actor, notifier } = ctx;
  const result = await service.requestDeploy(actor, pipeline);
  let request: DiffView;
  try {
    request = result.approvalRequest ?? (await service.diff(actor, pipeline));
  } catch (err) {
    const why = err instanceof EvolveError ? ` (${defuseMrkdwn(err.userMessage)})` : '';
    return plain(
      `${result.text}\nThe approval message could not be prepared${why}; \`/evolve diff ${pipeline}\` shows the diff.`,
    );
  }
  try {
    await notifier.postApprovalRequest(request.evolution, {
      ...(request.report ? { report: request.report } : {}),
      ...(request.shadow ? { shadow: request.shadow } : {}),
      ...(request.backfillMode ? { backfillMode: request.backfillMode } : {}),
      ...(request.warnings ? { warnings: request.warnings } : {}),
    });
    await notifier.updateStatusCard(request.evolution);
  } catch (err) {
    // The request is recorded; only the message is missing.
    throw new EvolveError(
      'SLACK_API_FAILED',
      `${result.text}\nBut the approval message did not reach the thread, so approvers have no buttons yet. The request is recorded: run \`/evolve deploy ${pipeline}\` again to post the message anew (if it fails again, ask an operator to check the bot logs).`,
      { cause: err },
    );
  }
  return plain(result.text);
}

async function openView(ctx: VerbContext, view: ModalView): Promise<{ id: string; hash: string }> {
  const res = await slackCall('open the form', () =>
    ctx.client.views.open({ trigger_id: ctx.triggerId, view }),
  );
  return { id: res.view?.id ?? '', hash: res.view?.hash ?? '' };
}

/** A Web API refusal (expired trigger, missing scope…) becomes a message saying what to do. */
async function slackCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const code =
      (err as { data?: { error?: string } }).data?.error ??
      (err as { code?: string }).code ??
      'no answer';
    throw new EvolveError(
      'SLACK_API_FAILED',
      `Slack did not ${what} (${code}). Run the command again; forms must open within 3 seconds of the command.`,
      { cause: err },
    );
  }
}

function accepted(result: { text: string }): SlackMessage {
  return plain(result.text);
}
