/** A milestone a thread must show: once (or, `repeats`, at least once, each reply distinct). */
export interface ExpectedMilestone {
  name: string;
  pattern: RegExp;
  repeats?: boolean;
}

/**
 * What is wrong with a thread's replies against the milestones it must
 * show in this order: a milestone missing or doubled, one out of order, or
 * two replies with the same text. Empty when the thread is right; the test
 * asserts on the list so a failure names every problem at once.
 */
export function milestoneProblems(
  replies: readonly string[],
  expected: readonly ExpectedMilestone[],
  /** Lines that may come twice with the same text because the work was done twice (a killed worker's). */
  mayRepeat?: RegExp,
): string[] {
  const problems: string[] = [];
  let last = -1;
  let lastName = '(start)';
  for (const m of expected) {
    const at = replies.flatMap((text, i) => (m.pattern.test(text) ? [i] : []));
    if (at.length === 0) {
      problems.push(`${m.name}: missing`);
      continue;
    }
    if (!m.repeats && at.length > 1) problems.push(`${m.name}: ${at.length} times`);
    if (at[0]! < last) problems.push(`${m.name}: before ${lastName}`);
    last = at.at(-1)!;
    lastName = m.name;
  }
  const seen = new Map<string, number>();
  for (const text of replies) seen.set(text, (seen.get(text) ?? 0) + 1);
  for (const [text, n] of seen)
    if (n > 1 && !mayRepeat?.test(text)) problems.push(`posted ${n} times: ${text}`);
  return problems;
}
