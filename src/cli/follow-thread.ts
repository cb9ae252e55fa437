import type { EvolutionStatus } from '../evolution/evolution-status.js';
import type { EvolutionRepository } from '../evolution/ports/evolution-repository.js';
import type { RedisThreadLog, ThreadEntry } from '../store/redis-thread-log.js';
import { meter, progressBar } from './progress-bar.js';
import type { CliNames } from './cli-names.js';
import { terminalText } from './terminal-text.js';

export interface FollowOptions {
  /** Stop when the evolution reaches one of these. */
  until: readonly EvolutionStatus[];
  timeoutMs: number;
  write?: (line: string) => void;
  /** True when stdout is a terminal: progress redraws one line instead of printing many. */
  tty?: boolean;
  /** Names the people the thread mentions; without it they are shown as @U… ids. */
  names?: Pick<CliNames, 'learn' | 'render'>;
}

function renderEntry(e: ThreadEntry): string {
  if (e.kind === 'backfillProgress' && typeof e.details.total === 'number') {
    // The sentence carries phase, figures, rate and time left, as in Slack.
    return `backfill ${meter(Number(e.details.done), Number(e.details.total))} ${e.text}`;
  }
  if (e.kind === 'savepointProgress' && typeof e.details.total === 'number') {
    return `savepoint ${progressBar(Number(e.details.acknowledged), Number(e.details.total), 'subtasks')}`;
  }
  return `${new Date(e.at).toISOString().slice(11, 19)} ${e.text}`;
}

/**
 * Prints an evolution's thread as it grows (what Slack would show), with
 * progress bars for savepoints and the backfill, until a wanted status.
 * Returns the status it stopped at.
 */
export async function followThread(
  log: RedisThreadLog,
  evolutions: Pick<EvolutionRepository, 'load'>,
  evolutionId: string,
  options: FollowOptions,
): Promise<EvolutionStatus> {
  const write = options.write ?? ((l: string) => process.stdout.write(`${l}\n`));
  const names = options.names;
  const render = (e: ThreadEntry) =>
    names ? names.render(renderEntry(e)) : terminalText(renderEntry(e));
  const deadline = Date.now() + options.timeoutMs;
  let after = '0';
  let redraw = false;
  for (;;) {
    const entries = await log.read(evolutionId, after, 1_000);
    await names?.learn(entries.map((e) => e.text));
    for (const e of entries) {
      after = e.id;
      if (e.kind === 'status') continue;
      const line = render(e);
      const isBar = e.kind === 'backfillProgress' || e.kind === 'savepointProgress';
      if (options.tty && isBar) {
        // Back to the line's start and clear it: a shorter bar leaves nothing of the longer one.
        process.stdout.write(`\r\x1b[2K${line}`);
        redraw = true;
      } else {
        if (redraw) process.stdout.write('\n');
        redraw = false;
        write(line);
      }
    }
    const ev = await evolutions.load(evolutionId);
    const terminal = ['COMPLETED', 'ABORTED', 'ROLLED_BACK', 'FAILED'] as const;
    if (options.until.includes(ev.status) || (terminal as readonly string[]).includes(ev.status)) {
      if (redraw) process.stdout.write('\n');
      return ev.status;
    }
    if (Date.now() > deadline) {
      if (redraw) process.stdout.write('\n');
      write(
        `still ${ev.status} after ${Math.round(options.timeoutMs / 1000)} s; follow it with: evolve status ${ev.pipeline}`,
      );
      return ev.status;
    }
  }
}
