/** Slack user ids in mention form, `<@U0DEMOOWNER>`: the ids a text names. */
const MENTION = /<@([UW][A-Z0-9]{2,20})>/g;

/**
 * Emphasis as Slack renders it: a `*` that opens after a line start, a space
 * or an opening mark and is followed by a non-space, closed by a `*` after a
 * non-space and before a space, a punctuation mark or the end. SQL's
 * `SELECT * FROM` and `b*2` are not that, so they pass through as written.
 */
const EMPHASIS = /(^|[\s(["'“‘])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?=$|[\s).,;:!?'"”’\]])/gm;

/** Code spans and blocks: shown as written, nothing inside is markup. */
const CODE = /```[\s\S]*?```|`[^`\n]+`/g;
/** Stands for a code span while the markup around it is read (no text holds U+E000). */
const HOLE = /\uE000(\d+)\uE000/g;

/** Ids named in these texts (mentions), for a look-up before they are printed. */
export function mentionedIds(texts: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(MENTION)) ids.add(m[1]!);
  return [...ids];
}

/**
 * A person as the terminal names them: "Dana (U0DANA)", so the id `--as`
 * takes stays in sight; "Olivia (owner, U0DEMOOWNER)" when the name already
 * ends in a remark; "@U0DANA" when nobody could tell the name.
 */
export function personText(id: string, name: string | undefined): string {
  if (!name) return `@${id}`;
  const remark = /^(.*\S) \(([^()]+)\)$/.exec(name);
  return remark ? `${remark[1]} (${remark[2]}, ${id})` : `${name} (${id})`;
}

function plainOutsideCode(text: string, names: ReadonlyMap<string, string>): string {
  return text
    .replace(MENTION, (_m, id: string) => personText(id, names.get(id)))
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<!(channel|here|everyone)>/g, '@$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/(^|[\s(`'"])\/evolve (?=[a-z])/g, '$1evolve ')
    .replace(EMPHASIS, '$1$2');
}

function unescapeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Slack's markup as a terminal shows it. The service and the domain speak
 * Slack (their messages go to threads too): here mentions become names
 * (known ones; `@id` otherwise), the `/evolve x` hints the command the CLI
 * user types, Slack's escapes go away, and emphasis only where Slack would
 * show it as such; code spans keep their text as written.
 */
export function terminalText(text: string, names: ReadonlyMap<string, string> = new Map()): string {
  const code: string[] = [];
  const holed = text.replace(CODE, (span) => {
    const inner = span.startsWith('```') ? span.slice(3, -3) : span.slice(1, -1);
    // A hint in a code span is a command the CLI user types too.
    code.push(unescapeEntities(inner.replace(/^\/evolve (?=[a-z])/, 'evolve ')));
    return `\uE000${code.length - 1}\uE000`;
  });
  return unescapeEntities(plainOutsideCode(holed, names)).replace(
    HOLE,
    (_m, i: string) => code[Number(i)] ?? '',
  );
}

/** The diff's categories in words, as the approval message names them. */
export const DIFF_LABELS = {
  same: 'same',
  changed: 'changed',
  onlyProduction: 'only in v1 (would be deleted)',
  onlyTemp: 'only in v2 (new)',
} as const;

/** "7 same, 33 changed, 3 only in v1 (would be deleted), 0 only in v2 (new)". */
export function diffCountsText(counts: Record<keyof typeof DIFF_LABELS, number>): string {
  return (Object.keys(DIFF_LABELS) as (keyof typeof DIFF_LABELS)[])
    .map((k) => `${counts[k].toLocaleString('en-US')} ${DIFF_LABELS[k]}`)
    .join(', ');
}
