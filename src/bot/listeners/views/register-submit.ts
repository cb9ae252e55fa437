import { INPUT_IDS } from '../../blocks/action-ids.js';
import { onlyYamlComments } from '../../blocks/form-modals.js';
import { handleModalSubmit, type ViewArgs } from './modal-submit.js';

/** The pipeline YAML from the register modal: problems inline, then the pipeline is registered. */
export async function registerSubmitCallback(args: ViewArgs): Promise<void> {
  await handleModalSubmit(args, {
    input: INPUT_IDS.registerYaml,
    emptyMessage:
      'The form holds only comments: remove the leading "# " from the example lines and fill in your pipeline (YAML).',
    blank: onlyYamlComments,
    check: ({ service }, actor, _meta, yaml) => service.checkPipelineYaml(actor, yaml),
    submit: ({ service }, actor, _meta, yaml) => service.registerPipeline(actor, yaml),
  });
}
