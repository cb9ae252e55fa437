import { EvolveError } from '../../../errors.js';
import { INPUT_IDS } from '../../blocks/action-ids.js';
import { handleModalSubmit, type ViewArgs } from './modal-submit.js';

function pipelineOf(meta: { pipeline?: string | undefined }): string {
  if (!meta.pipeline) {
    throw new EvolveError(
      'INPUT_INVALID',
      'This form does not say which pipeline it is for. Close it and run `/evolve develop <pipeline>` again.',
    );
  }
  return meta.pipeline;
}

/** The v2 SQL from the develop modal: syntax errors inline with line and column, then the shadow starts. */
export async function developSubmitCallback(args: ViewArgs): Promise<void> {
  await handleModalSubmit(args, {
    input: INPUT_IDS.developSql,
    emptyMessage: 'Paste the v2 SQL (start from v1 and edit it).',
    check: ({ service }, actor, meta, sql) => service.checkDevelopSql(actor, pipelineOf(meta), sql),
    submit: ({ service }, actor, meta, sql) =>
      service.startDevelop(actor, { pipeline: pipelineOf(meta), sql }),
  });
}
