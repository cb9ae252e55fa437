/**
 * Flink answers failures with whole Java stack traces (REST `errors[]`,
 * savepoint `failure-cause.stack-trace`). People need the one line that says
 * what went wrong: the deepest `Caused by:`, without frames.
 */
export interface JavaCause {
  /** Fully qualified exception class, when the line names one. */
  className?: string;
  message: string;
}

const FRAME = /^\s+(at |\.\.\. \d+ more|Suppressed: )/;
const HEADER = /^((?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*)(?::\s?([\s\S]*))?$/;
const POSITION = /line \d+, column \d+/;
/** Parser errors list every token that could have come next; a few are enough. */
const MAX_MESSAGE_LINES = 6;

/** Every exception in the chain, outermost first. */
export function javaCauseChain(trace: string): JavaCause[] {
  const lines = trace
    .replace(/^<Exception on server side:\s*/m, '')
    .replace(/\s*End of exception on server side>\s*$/, '')
    .split(/\r?\n/);
  const blocks: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (line.startsWith('Caused by: ')) {
      current = [line.slice('Caused by: '.length)];
      blocks.push(current);
    } else if (FRAME.test(line)) {
      current = undefined;
    } else if (current) {
      current.push(line);
    } else if (blocks.length === 0 && line.trim() !== '') {
      current = [line];
      blocks.push(current);
    }
  }
  return blocks.map(toCause);
}

/**
 * The root cause, for a person. When an outer exception says the same thing
 * with a position ("From line 1, column 23 to line 1, column 26: Object 'x'
 * not found"), that version is kept because it says where.
 */
export function javaRootCause(trace: string): JavaCause | undefined {
  const chain = javaCauseChain(trace);
  const root = chain.at(-1);
  if (!root) return undefined;
  if (!POSITION.test(root.message)) {
    for (let i = chain.length - 2; i >= 0; i--) {
      const outer = chain[i];
      if (outer && outer.message.endsWith(root.message) && POSITION.test(outer.message)) {
        const withPosition = outer.message.replace(/^.*?((?:From line|At line)\b)/s, '$1');
        return { ...root, message: withPosition };
      }
    }
  }
  return root;
}

/** One short line for a message: "Object 'x' not found", never a frame. */
export function javaRootCauseLine(trace: string, fallback = 'no cause given'): string {
  const root = javaRootCause(trace);
  return root?.message || root?.className || fallback;
}

function toCause(block: string[]): JavaCause {
  const text = trimMessage(block);
  const className = HEADER.exec(text.split('\n', 1)[0] ?? '')?.[1];
  if (!className) return { message: text.trim() };
  return { className, message: text.slice(className.length).replace(/^:\s?/, '').trim() };
}

function trimMessage(block: string[]): string {
  const kept = block.filter((line) => line.trim() !== '').slice(0, MAX_MESSAGE_LINES);
  return kept.map((line) => line.trimEnd()).join('\n');
}
