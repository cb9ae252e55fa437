import type { KnownBlock, ModalView } from '@slack/types';
import { z } from 'zod';
import { EvolveError } from '../../errors.js';
import { formatCount } from './format.js';
import { INPUT_IDS, VIEW_IDS } from './action-ids.js';
import { SLACK_LIMITS, escapeMrkdwn, fitText } from './slack-limits.js';

const formMetadata = z.object({ pipeline: z.string().optional(), channelId: z.string().min(1) });
export type FormMetadata = z.infer<typeof formMetadata>;

export interface DevelopModalInput {
  pipeline: string;
  v1Sql: string;
  channelId: string;
}

/** The v2 SQL editor, prefilled with v1 so the change is an edit, not a rewrite. */
export function developModal(input: DevelopModalInput): ModalView {
  const fits = input.v1Sql.length <= SLACK_LIMITS.plainTextInput;
  const intro: KnownBlock = {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: fits
        ? `Edit v1's SQL into v2. It starts as a shadow job writing to a TEMP topic; production is untouched.`
        : `v1's SQL is ${formatCount(input.v1Sql.length)} characters, more than a Slack form holds ` +
          `(${formatCount(SLACK_LIMITS.plainTextInput)}), so it is not prefilled. ` +
          `Cancel and use \`/evolve develop ${escapeMrkdwn(input.pipeline)} sql=<https URL>\` instead, or paste a shorter script.`,
    },
  };
  return {
    type: 'modal',
    callback_id: VIEW_IDS.develop,
    private_metadata: encodeMetadata({ pipeline: input.pipeline, channelId: input.channelId }),
    title: { type: 'plain_text', text: 'Develop v2' },
    submit: { type: 'plain_text', text: 'Start shadow' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      intro,
      {
        type: 'input',
        block_id: INPUT_IDS.developSql.block,
        label: { type: 'plain_text', text: `Flink SQL for ${input.pipeline}`.slice(0, 2000) },
        element: {
          type: 'plain_text_input',
          action_id: INPUT_IDS.developSql.action,
          multiline: true,
          max_length: SLACK_LIMITS.plainTextInput,
          ...(fits && input.v1Sql.length > 0 ? { initial_value: input.v1Sql } : {}),
        },
      },
    ],
  };
}

/** Opened at once with the trigger_id (valid 3 s), then replaced when the slow part is done. */
export function noticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title.slice(0, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: fitText(text, SLACK_LIMITS.sectionText) } },
    ],
  };
}

export function registerModal(channelId: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_IDS.register,
    private_metadata: encodeMetadata({ channelId }),
    title: { type: 'plain_text', text: 'Register a pipeline' },
    submit: { type: 'plain_text', text: 'Register' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Paste the pipeline definition (YAML, the same shape as the pipelines file).',
        },
      },
      {
        type: 'input',
        block_id: INPUT_IDS.registerYaml.block,
        label: { type: 'plain_text', text: 'Pipeline YAML' },
        element: {
          type: 'plain_text_input',
          action_id: INPUT_IDS.registerYaml.action,
          multiline: true,
          max_length: SLACK_LIMITS.plainTextInput,
        },
      },
    ],
  };
}

export function encodeMetadata(metadata: FormMetadata): string {
  return JSON.stringify(metadata);
}

/** private_metadata round-trips through the client: validated like user input. */
export function decodeMetadata(raw: string | undefined): FormMetadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    parsed = undefined;
  }
  const result = formMetadata.safeParse(parsed);
  if (!result.success) {
    throw new EvolveError(
      'INPUT_INVALID',
      'This form is missing its context (it may be from an older version). Close it and run the command again.',
      { cause: result.error },
    );
  }
  return result.data;
}
