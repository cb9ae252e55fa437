import { z } from 'zod';
import {
  BACKFILL_MODES,
  CHANNEL_ID_PATTERN,
  GROUP_ID_PATTERN,
  KEY_FORMATS,
  SHADOW_STARTUP_MODES,
  USER_ID_PATTERN,
} from '../evolution/pipeline.js';
import {
  flinkAllowedOrigins,
  flinkOrigin,
  flinkUrlRefusal,
  isFlinkUrlAllowed,
} from './flink-allow-list.js';
import { userText } from '../evolution/user-text.js';

export interface PipelineDefaults {
  flinkRestUrl?: string;
  flinkGatewayUrl?: string;
  /**
   * Origins a pipeline's Flink endpoints may have (Config.flink.allowedOrigins).
   * Absent: only the two defaults above, so a caller that forgets it allows
   * less, never more.
   */
  flinkAllowedOrigins?: readonly string[];
  approvalTtlMs?: number;
  backfillRate?: number;
}

const DEFAULT_APPROVAL_TTL_MS = 24 * 60 * 60 * 1000;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

function url(defaultUrl: string | undefined, what: string, allowed: readonly string[]) {
  const schema = z
    .url({
      protocol: /^https?$/,
      error: `must be an http:// or https:// URL of the ${what}`,
    })
    .refine((u) => isFlinkUrlAllowed(u, allowed), {
      error: (issue) =>
        `names ${flinkOrigin(String(issue.input)) ?? userText(String(issue.input))}, which ${flinkUrlRefusal(allowed)}`,
    });
  // Typed as optional input either way, so the flink block itself may be left out.
  return (defaultUrl === undefined ? schema : schema.default(defaultUrl)) as unknown as z.ZodType<
    string,
    string | undefined
  >;
}

function principals(role: string) {
  const entry = z
    .string({ error: 'must be a Slack id' })
    .refine((id) => USER_ID_PATTERN.test(id) || GROUP_ID_PATTERN.test(id), {
      error: (issue) =>
        `'${userText(String(issue.input))}' is not a Slack user id (U…) or user group id (S…); ` +
        `copy it from the person's profile ("Copy member ID") or the group's page`,
    });
  return z
    .array(entry, { error: `must list the ${role} as Slack user ids (U…) or user group ids (S…)` })
    .min(1, { error: `must list at least one Slack user id (U…) or user group id (S…)` });
}

/**
 * One pipeline as written in the YAML file (before the production SQL file is
 * read). Strict: a misspelt field is an error, not a silently ignored line.
 */
export function pipelineEntrySchema(defaults: PipelineDefaults = {}) {
  const allowed =
    defaults.flinkAllowedOrigins ??
    flinkAllowedOrigins(
      [defaults.flinkRestUrl, defaults.flinkGatewayUrl].filter((u): u is string => !!u),
    );
  return z.strictObject({
    flink: z
      .strictObject({
        restUrl: url(defaults.flinkRestUrl, 'Flink JobManager REST endpoint', allowed),
        gatewayUrl: url(defaults.flinkGatewayUrl, 'Flink SQL Gateway', allowed),
      })
      .prefault({ restUrl: undefined, gatewayUrl: undefined }),
    kafka: z.strictObject(
      {
        outputTopic: z
          .string({ error: 'must name the production output topic' })
          .regex(TOPIC, {
            error: 'must be a Kafka topic name (letters, digits, ".", "_", "-"; at most 249)',
          })
          .refine((t) => !t.includes('.evolve.'), {
            error: 'must not contain ".evolve." (reserved for the TEMP topics of evolutions)',
          }),
        keyFormat: z.enum(KEY_FORMATS, {
          error: 'must be one of raw, json, avro, string (the key.format of the sink table)',
        }),
      },
      { error: 'must have outputTopic and keyFormat' },
    ),
    production: z
      .strictObject(
        {
          sql: z.string().trim().min(1, { error: 'must not be empty' }).optional(),
          sqlFile: z.string().min(1, { error: 'must be a path' }).optional(),
          flinkJobId: z
            .string({
              error:
                'must be the id of the running production job: 32 hex characters, quoted in YAML (see the Flink UI)',
            })
            .regex(/^[0-9a-f]{32}$/, {
              error: 'must be a Flink job id: 32 lowercase hex characters',
            }),
          lastSavepoint: z.string().min(1).optional(),
        },
        { error: 'must give the production version: sql or sqlFile, and flinkJobId' },
      )
      .refine((p) => (p.sql === undefined) !== (p.sqlFile === undefined), {
        error:
          'must give exactly one of sql (inline) or sqlFile (path relative to the pipelines file)',
      }),
    owners: principals('owners (who may develop, deploy, backfill and abort)'),
    approvers: principals('approvers'),
    allowSelfApproval: z.boolean({ error: 'must be true or false' }).default(false),
    approvalTtlMs: z
      .number({ error: 'must be a number of milliseconds' })
      .int({ error: 'must be a whole number of milliseconds' })
      .min(60_000, { error: 'must be at least 60000 (one minute)' })
      .default(defaults.approvalTtlMs ?? DEFAULT_APPROVAL_TTL_MS),
    rollbackWindowMs: z
      .number({ error: 'must be a number of milliseconds' })
      .int({ error: 'must be a whole number of milliseconds' })
      .min(0, { error: 'must be 0 (no rollback) or more milliseconds' })
      .optional(),
    shadowStartupMode: z
      .enum(SHADOW_STARTUP_MODES, {
        error: 'must be earliest-offset (default: complete state), latest-offset or group-offsets',
      })
      .default('earliest-offset'),
    backfill: z
      .strictObject({
        rate: z
          .number({ error: 'must be a number of records per second' })
          .positive({ error: 'must be greater than 0 (records per second)' })
          .default(defaults.backfillRate ?? 1000),
        mode: z.enum(BACKFILL_MODES, { error: 'must be full or refresh-only' }).default('full'),
      })
      .prefault({}),
    slackChannel: z
      .string({ error: 'must be a Slack channel id' })
      .regex(CHANNEL_ID_PATTERN, {
        error:
          "must be a Slack channel id (C… or G…: the channel's details, at the bottom), where evolutions started from the CLI get their thread",
      })
      .optional(),
  });
}

export type PipelineEntry = z.output<ReturnType<typeof pipelineEntrySchema>>;
