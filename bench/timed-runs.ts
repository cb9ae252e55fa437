/** EVOLVE_BENCH_RUNS (default 5): 1 is the quick mode, enough to see that a bench still works. */
export function benchRuns(env: NodeJS.ProcessEnv = process.env): number {
  const runs = Number(env.EVOLVE_BENCH_RUNS ?? 5);
  if (!(Number.isInteger(runs) && runs > 0))
    throw new Error('EVOLVE_BENCH_RUNS must be a whole number > 0');
  return runs;
}

/**
 * Runs `measure` `runs` times, one after the other, printing `row` after
 * each, and returns every run's figures (by name, in ms) and their medians
 * figure by figure. Strictly sequential: the figures are wall-clock times on
 * a shared cluster, and a measurement and its baseline taken in the same run
 * see the same load.
 */
export async function timedRuns<F extends Record<keyof F, number>>(
  runs: number,
  measure: (run: number) => Promise<F>,
  row: (run: number, figures: F) => string,
): Promise<{ each: F[]; median: F }> {
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`runs must be a whole number > 0`);
  const each: F[] = [];
  for (let run = 1; run <= runs; run++) {
    const figures = await measure(run);
    each.push(figures);
    console.log(row(run, figures));
  }
  const names = Object.keys(each[0]!) as (keyof F)[];
  const medians = Object.fromEntries(
    names.map((name) => [name, median(each.map((f) => f[name]))]),
  ) as F;
  return { each, median: medians };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}
