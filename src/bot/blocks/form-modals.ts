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

/**
 * What the register form starts with: a whole pipeline, every line
 * commented out, so the shape and each field's meaning are in front of the
 * administrator and nothing registers until they fill it in.
 */
export const REGISTER_EXAMPLE = `# pipelines:
#   revenue:                       # lowercase letters, digits, - or _
#     flink:                       # optional: the installation's Flink by default
#       restUrl: https://flink.example.internal:8081
#       gatewayUrl: https://flink-sql.example.internal:8083
#     kafka:
#       outputTopic: revenue-by-region   # the upsert topic clients read; never renamed
#       keyFormat: json                  # the sink's key.format: raw, json, avro or string
#     production:
#       sql: |                     # the SQL production runs now
#         CREATE TABLE orders (...) WITH ('connector' = 'kafka', ...);
#         CREATE TABLE revenue_by_region (...) WITH ('connector' = 'upsert-kafka', ...);
#         INSERT INTO revenue_by_region SELECT ...;
#       flinkJobId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90'   # the running job (Flink UI)
#     owners: [U0123ABCDEF]        # may develop, request deploys, backfill, abort
#     approvers: [U0789MNOPQR]     # may approve or reject deploys
#     slackChannel: C0123CHANNEL   # optional: threads of evolutions started from the CLI
`;

/** True when the text is only comments and blank lines (the untouched example). */
export function onlyYamlComments(text: string): boolean {
  return text.split('\n').every((line) => /^\s*(#.*)?$/.test(line));
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
          text: 'Paste the pipeline definition (YAML, the same shape as the pipelines file). The field starts with a commented example: remove the leading `# ` from its lines and fill in your pipeline.',
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
          initial_value: REGISTER_EXAMPLE,
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
