/**
 * Slack's markup as a terminal shows it. The service and the domain speak
 * Slack (their messages go to threads too): here mentions become @id, the
 * `/evolve x` hints the command the CLI user types, and Slack's escapes and
 * emphasis go away.
 */
export function terminalText(text: string): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<!(channel|here|everyone)>/g, '@$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/(^|[\s(`'"])\/evolve (?=[a-z])/g, '$1evolve ')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** One line for the terminal. */
export function say(text: string): void {
  console.log(terminalText(text));
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
