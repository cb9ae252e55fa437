import { INPUT_IDS } from '../../blocks/action-ids.js';
import { handleModalSubmit, type ViewArgs } from './modal-submit.js';

/** The pipeline YAML from the register modal: problems inline, then the pipeline is registered. */
export async function registerSubmitCallback(args: ViewArgs): Promise<void> {
  await handleModalSubmit(args, {
    input: INPUT_IDS.registerYaml,
    emptyMessage: 'Paste the pipeline definition (YAML).',
    check: ({ service }, actor, _meta, yaml) => service.checkPipelineYaml(actor, yaml),
    submit: ({ service }, actor, _meta, yaml) => service.registerPipeline(actor, yaml),
  });
}
