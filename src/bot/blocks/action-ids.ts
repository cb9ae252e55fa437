import { z } from 'zod';
import { EvolveError } from '../../errors.js';
import { SLACK_LIMITS } from './slack-limits.js';

/** action_id / callback_id of every interactive element; listeners register on these. */
export const ACTION_IDS = {
  approve: 'evolve_approve',
  reject: 'evolve_reject',
  pauseBackfill: 'evolve_backfill_pause',
  resumeBackfill: 'evolve_backfill_resume',
  cancelBackfill: 'evolve_backfill_cancel',
} as const;

export const VIEW_IDS = {
  develop: 'evolve_develop',
  register: 'evolve_register',
} as const;

/** Block and action ids of the modal inputs, so inline errors point at the right field. */
export const INPUT_IDS = {
  developSql: { block: 'v2_sql', action: 'sql_input' },
  registerYaml: { block: 'pipeline_yaml', action: 'yaml_input' },
} as const;

const evolutionId = z.string().regex(/^ev-[0-9a-z]+-[0-9a-z]+$/);

const approvalValue = z.object({ evolutionId, sqlHash: z.string().regex(/^[0-9a-f]{64}$/) });
const backfillValue = z.object({ evolutionId });

export type ApprovalButtonValue = z.infer<typeof approvalValue>;
export type BackfillButtonValue = z.infer<typeof backfillValue>;

/** Approve/Reject carry the hash shown, so a click is bound to the SQL the approver saw. */
export function encodeApprovalValue(value: ApprovalButtonValue): string {
  return encode(approvalValue.parse(value));
}

export function decodeApprovalValue(raw: string | undefined): ApprovalButtonValue {
  return decode(approvalValue, raw);
}

export function encodeBackfillValue(value: BackfillButtonValue): string {
  return encode(backfillValue.parse(value));
}

export function decodeBackfillValue(raw: string | undefined): BackfillButtonValue {
  return decode(backfillValue, raw);
}

function encode(value: object): string {
  const json = JSON.stringify(value);
  // Ids and hashes are bounded, so this only trips on a programming error; truncating JSON would corrupt it.
  if (json.length > SLACK_LIMITS.buttonValue)
    throw new Error(`button value over ${SLACK_LIMITS.buttonValue} chars`);
  return json;
}

/** Button payloads come from the client: checked like any other user input. */
function decode<T>(schema: z.ZodType<T>, raw: string | undefined): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    parsed = undefined;
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new EvolveError(
      'INPUT_INVALID',
      'This button does not carry a valid evolution reference (the message may be from an older version). ' +
        'Use `/evolve status <pipeline>` to get a fresh message.',
      { cause: result.error },
    );
  }
  return result.data;
}
