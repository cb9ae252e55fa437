/**
 * The candidate a mistyped name most likely meant, or undefined when none is
 * close: edit distance (with adjacent swaps, the commonest typo) at most a
 * third of the longer name, at least 1; a unique candidate the input is a
 * prefix of counts too ("demo" -> "demo-revenue").
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const typed = input.toLowerCase();
  if (typed.length === 0) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const d = editDistance(typed, name.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(typed.length, name.length) / 3));
    if (d <= limit && (!best || d < best.distance)) best = { name, distance: d };
  }
  if (best) return best.distance === 0 ? undefined : best.name;
  const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(typed));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j]!;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(a.length, b.length);
}
