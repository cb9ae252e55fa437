import type { Pipeline } from './pipeline.js';
import { describeChanges, type FieldChange } from './pipeline-changes.js';
import { PIPELINES_FILE_ACTOR } from './registration-policy.js';

/**
 * One registration said plainly for the channel, whatever it came from (the
 * Slack form, the CLI, the pipelines file): what was added or which fields
 * changed, and by whom. Undefined when nothing changed (nothing to say).
 */
export function registrationAnnouncement(
  r: { pipeline: Pipeline; changes: readonly FieldChange[]; created: boolean },
  actorId: string,
  via?: 'the CLI',
): string | undefined {
  const name = r.pipeline.name;
  const who =
    actorId === PIPELINES_FILE_ACTOR
      ? 'The pipelines file'
      : `<@${actorId}>${via ? ` (from ${via})` : ''}`;
  if (r.created)
    return `${who} registered pipeline \`${name}\` (output ${r.pipeline.kafka.outputTopic}).`;
  if (r.changes.length === 0) return undefined;
  return [
    `${who} changed pipeline \`${name}\`:`,
    ...describeChanges(r.changes).map((l) => `• ${l}`),
  ].join('\n');
}
