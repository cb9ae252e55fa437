import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Accepted, InputIssue, SlackActor } from '../../slack-commands.js';
import { decodeMetadata, type FormMetadata } from '../../blocks/form-modals.js';
import { plain } from '../../blocks/listing-messages.js';
import { fitText } from '../../blocks/slack-limits.js';
import { botDeps, type BotDeps } from '../bot-deps.js';
import { errorReply, errorText } from '../reply-error.js';
import { laterErrors } from '../../../flink/sql-invalid-error.js';

export type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

export interface ModalSubmission {
  input: { block: string; action: string };
  /** What to say when the field is empty. */
  emptyMessage: string;
  /** Whether the text says nothing (besides empty): the form's untouched example. */
  blank?: (text: string) => boolean;
  /** Fast check whose issues are shown inline on the field; must fit in Slack's 3 s. */
  check: (
    deps: BotDeps,
    actor: SlackActor,
    meta: FormMetadata,
    text: string,
  ) => Promise<readonly InputIssue[]>;
  submit: (deps: BotDeps, actor: SlackActor, meta: FormMetadata, text: string) => Promise<Accepted>;
}

const INLINE_ERROR_CHARS = 1000;

/**
 * A modal with one text field: the fast check answers inline in the ack
 * (response_action: errors) so a typo is fixed in place; past the budget
 * the submission is accepted unchecked and the full validation reports in
 * the channel. Then one service call; its answer goes to the submitter.
 */
export async function handleModalSubmit(args: ViewArgs, spec: ModalSubmission): Promise<void> {
  const { ack, view, body, context, logger } = args;
  const deps = botDeps(context);
  const inlineError = (message: string) =>
    ack({
      response_action: 'errors',
      errors: { [spec.input.block]: fitText(message, INLINE_ERROR_CHARS, '…') },
    });

  let meta: FormMetadata;
  try {
    meta = decodeMetadata(view.private_metadata);
  } catch (err) {
    await inlineError(errorText(err, logger));
    return;
  }
  const text = view.state.values[spec.input.block]?.[spec.input.action]?.value ?? '';
  if (text.trim() === '' || spec.blank?.(text)) {
    await inlineError(spec.emptyMessage);
    return;
  }
  const actor: SlackActor = { userId: body.user.id, channelId: meta.channelId };
  let issues: readonly InputIssue[] | 'late';
  try {
    issues = await withinBudget(spec.check(deps, actor, meta, text), deps.checkBudgetMs);
  } catch (err) {
    await inlineError(errorText(err, logger));
    return;
  }
  if (issues !== 'late' && issues.length > 0) {
    await inlineError(describeIssues(issues));
    return;
  }
  await ack();
  try {
    const accepted = await spec.submit(deps, actor, meta, text);
    if (accepted.announcement !== undefined) {
      await deps.outbox.post(meta.channelId, plain(accepted.announcement));
      return;
    }
    await deps.outbox.postEphemeral(meta.channelId, body.user.id, plain(accepted.text));
  } catch (err) {
    await deps.outbox.postEphemeral(meta.channelId, body.user.id, errorReply(err, logger));
  }
}

export function describeIssues(issues: readonly InputIssue[]): string {
  // The first issue at the editor's line and column, and how many follow (a parser cascade).
  const [first] = issues;
  if (!first) return '';
  const where =
    first.line !== undefined
      ? `Line ${first.line}${first.column !== undefined ? `, column ${first.column}` : ''}: `
      : '';
  return `${where}${first.message}${laterErrors(issues.length - 1)}`;
}

async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
