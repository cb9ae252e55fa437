import { didYouMean } from '../evolution/did-you-mean.js';
import { EvolveError } from '../errors.js';
import type { BackfillMode } from '../evolution/pipeline.js';
import { PIPELINE_NAME_PATTERN } from '../evolution/pipeline.js';
import { userText } from '../evolution/user-text.js';

export type PipelineVerb =
  | 'develop'
  | 'status'
  | 'diff'
  | 'deploy'
  | 'backfill'
  | 'throttle'
  | 'pause'
  | 'resume'
  | 'cancel'
  | 'complete'
  | 'abort'
  | 'rollback'
  | 'history';

export type EvolveCommand =
  | { verb: 'help' }
  | { verb: 'pipelines' }
  | { verb: 'register' }
  | { verb: 'develop'; pipeline: string; sqlUrl?: string }
  | { verb: 'backfill'; pipeline: string; rate?: number; mode?: BackfillMode }
  | { verb: 'throttle'; pipeline: string; rate: number }
  | {
      // Every other verb takes just a pipeline: derived, so a new verb is listed once.
      verb: Exclude<PipelineVerb, 'develop' | 'backfill' | 'throttle'>;
      pipeline: string;
    };

export type EvolveVerb = EvolveCommand['verb'];

/** One line per verb, shown by `help` and with every parse error. */
export const EVOLVE_USAGE: Readonly<Record<EvolveVerb, { usage: string; summary: string }>> = {
  help: { usage: '/evolve help', summary: 'this list' },
  pipelines: { usage: '/evolve pipelines', summary: 'registered pipelines and their evolutions' },
  register: { usage: '/evolve register', summary: 'register a pipeline (opens a form)' },
  develop: {
    usage: '/evolve develop <pipeline> [sql=<url>]',
    summary: 'start v2 as a shadow job (opens the SQL editor, or reads the SQL from a URL)',
  },
  status: {
    usage: '/evolve status <pipeline>',
    summary: 'the status card of the active evolution',
  },
  diff: { usage: '/evolve diff <pipeline>', summary: 'SQL diff and the keys v2 would change' },
  deploy: { usage: '/evolve deploy <pipeline>', summary: 'ask an approver to promote v2' },
  backfill: {
    usage: '/evolve backfill <pipeline> [rate=<records/s>] [mode=full|refresh-only]',
    summary: 'rewrite the keys v2 answers differently',
  },
  throttle: {
    usage: '/evolve throttle <pipeline> <records/s>',
    summary: "change the backfill's rate",
  },
  pause: { usage: '/evolve pause <pipeline>', summary: 'pause the backfill' },
  resume: { usage: '/evolve resume <pipeline>', summary: 'resume the backfill' },
  cancel: { usage: '/evolve cancel <pipeline>', summary: 'cancel the backfill' },
  complete: {
    usage: '/evolve complete <pipeline>',
    summary: 'end a live evolution without a backfill (v2 stays production)',
  },
  abort: {
    usage: '/evolve abort <pipeline>',
    summary: 'stop the evolution and clean up the shadow',
  },
  rollback: {
    usage: '/evolve rollback <pipeline>',
    summary:
      "after v2 went live: back to v1, with the output topic restored to v1's answers (needs an approval)",
  },
  history: { usage: '/evolve history <pipeline>', summary: "the pipeline's past evolutions" },
};

const VERBS = Object.keys(EVOLVE_USAGE) as EvolveVerb[];
const MAX_RATE = 1_000_000;
/** No verb needs more; a longer text is a paste gone wrong (or an attack) and is not parsed at all. */
export const MAX_COMMAND_BYTES = 4096;

/**
 * Parses the text after `/evolve`. Throws EvolveError INPUT_INVALID whose
 * message names the problem, shows the verb's usage and what to do next.
 */
export function parseEvolveCommand(text: string): EvolveCommand {
  rejectOversized(text);
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  if (first === undefined) return { verb: 'help' };
  const verb = first.toLowerCase();
  if (!isVerb(verb)) {
    const meant = didYouMean(verb, VERBS);
    throw invalid(
      `\`${userText(first)}\` is not an /evolve command.${meant ? ` Did you mean \`${meant}\`?` : ''}`,
      undefined,
      `Use one of: ${VERBS.join(', ')}. Type \`/evolve help\` for details.`,
    );
  }
  if (verb === 'help' || verb === 'pipelines' || verb === 'register') {
    if (rest.length > 0) throw invalid(`\`${verb}\` takes no arguments.`, verb);
    return { verb };
  }
  const [name, ...args] = rest;
  if (name === undefined) throw invalid(`\`${verb}\` needs a pipeline name.`, verb);
  const pipeline = parsePipelineName(name, verb);

  if (verb === 'throttle') {
    const [rate, ...extra] = args;
    if (rate === undefined)
      throw invalid('`throttle` needs the new rate in records per second.', verb);
    rejectExtra(extra, verb);
    return { verb, pipeline, rate: parseRate(rate.replace(/^rate=/i, ''), verb) };
  }
  const options = parseOptions(args, verb);
  if (verb === 'develop') {
    const { sql, ...unknown } = options;
    rejectUnknownOptions(unknown, verb);
    return sql === undefined ? { verb, pipeline } : { verb, pipeline, sqlUrl: parseSqlUrl(sql) };
  }
  if (verb === 'backfill') {
    const { rate, mode, ...unknown } = options;
    rejectUnknownOptions(unknown, verb);
    const command: EvolveCommand = { verb, pipeline };
    if (rate !== undefined) command.rate = parseRate(rate, verb);
    if (mode !== undefined) command.mode = parseMode(mode);
    return command;
  }
  rejectUnknownOptions(options, verb);
  return { verb, pipeline };
}

function rejectOversized(text: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= MAX_COMMAND_BYTES) return;
  throw new EvolveError(
    'INPUT_INVALID',
    `That command is ${bytes.toLocaleString('en-US')} bytes long; \`/evolve\` takes at most ` +
      `${MAX_COMMAND_BYTES.toLocaleString('en-US')} bytes (4 KB), so nothing was run.\n` +
      'To give v2 its SQL, run `/evolve develop <pipeline>` and paste it in the form, or host it and use `sql=<https URL>`.',
  );
}

function isVerb(word: string): word is EvolveVerb {
  return (VERBS as string[]).includes(word);
}

function parsePipelineName(name: string, verb: EvolveVerb): string {
  if (name.includes('=')) {
    throw invalid(
      `\`${verb}\` needs the pipeline name before any option (got \`${userText(name)}\`).`,
      verb,
    );
  }
  if (!PIPELINE_NAME_PATTERN.test(name)) {
    throw invalid(
      `\`${userText(name)}\` is not a pipeline name: use lowercase letters, digits, \`-\` and \`_\` (up to 63).`,
      verb,
      'Type `/evolve pipelines` to see the registered names.',
    );
  }
  return name;
}

function parseOptions(args: readonly string[], verb: EvolveVerb): Record<string, string> {
  const options: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1) {
      throw invalid(
        `\`${userText(arg)}\` is not an option: options look like \`name=value\`.`,
        verb,
      );
    }
    const key = arg.slice(0, eq).toLowerCase();
    if (key in options) throw invalid(`Option \`${userText(key)}\` is given twice.`, verb);
    options[key] = arg.slice(eq + 1);
  }
  return options;
}

function rejectUnknownOptions(options: Record<string, string>, verb: EvolveVerb): void {
  const names = Object.keys(options);
  if (names.length > 0) {
    throw invalid(
      `\`${verb}\` has no option ${names.map((n) => `\`${userText(n)}\``).join(', ')}.`,
      verb,
    );
  }
}

function rejectExtra(extra: readonly string[], verb: EvolveVerb): void {
  if (extra.length > 0) throw invalid(`Unexpected \`${userText(extra.join(' '))}\`.`, verb);
}

function parseRate(value: string, verb: EvolveVerb): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_RATE) {
    throw invalid(
      `\`${userText(value)}\` is not a rate: give a whole number of records per second from 1 to ${MAX_RATE}.`,
      verb,
    );
  }
  return Number(value);
}

function parseMode(value: string): BackfillMode {
  const mode = value.toLowerCase();
  if (mode === 'full' || mode === 'refresh-only') return mode;
  throw invalid(
    `\`${userText(value)}\` is not a backfill mode: use \`full\` (refresh and delete) or \`refresh-only\` (no deletes).`,
    'backfill',
  );
}

/** Slack may send links as `<https://host/x|label>`; the allow-list of hosts is checked by the service. */
function parseSqlUrl(value: string): string {
  const unwrapped = value.replace(/^<([^|>]+)(\|[^>]*)?>$/, '$1');
  let url: URL;
  try {
    url = new URL(unwrapped);
  } catch {
    throw invalid(
      `\`${userText(value)}\` is not a URL.`,
      'develop',
      'Give `sql=https://…` or leave it out to paste the SQL in a form.',
    );
  }
  if (url.protocol !== 'https:') {
    throw invalid(`The SQL URL must use https (got \`${userText(url.protocol)}\`).`, 'develop');
  }
  return url.toString();
}

function invalid(problem: string, verb?: EvolveVerb, next?: string): EvolveError {
  const usage = verb ? `\nUsage: \`${EVOLVE_USAGE[verb].usage}\`` : '';
  const hint = next ?? 'Fix the command and send it again, or type `/evolve help`.';
  return new EvolveError('INPUT_INVALID', `${problem}${usage}\n${hint}`);
}
