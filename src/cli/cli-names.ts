import type { UserNames } from '../evolution/ports/user-names.js';
import type { SlackNames } from './slack-user-lookup.js';
import { mentionedIds, terminalText } from './terminal-text.js';

/** Names of people not seen in a Slack request yet (users.info), or nothing without a bot token. */
export type SlackNameLookup = (ids: readonly string[]) => Promise<SlackNames>;

/**
 * The people a CLI call prints, by name: what the installation learnt from
 * Slack requests (Redis), then Slack's users.info for the rest when the CLI
 * has a bot token, each id asked once per process. An id nobody could name
 * in time is printed as `@U…`.
 */
export class CliNames {
  private readonly known = new Map<string, string>();
  private readonly asked = new Set<string>();
  /** Slack answered nothing once (down, slow, no users:read): not asked again by this call. */
  private slackSilent = false;

  constructor(
    private readonly stored: Pick<UserNames, 'namesOf' | 'remember'>,
    private readonly slack?: SlackNameLookup,
  ) {}

  /** Looks up the people these texts mention; call before printing them. */
  async learn(texts: readonly string[]): Promise<void> {
    const ids = mentionedIds(texts).filter((id) => !this.asked.has(id));
    if (ids.length === 0) return;
    for (const id of ids) this.asked.add(id);
    const stored = await this.stored.namesOf(ids).catch(() => new Map<string, string>());
    for (const [id, name] of stored) this.known.set(id, name);
    const missing = ids.filter((id) => !stored.has(id));
    if (!this.slack || this.slackSilent || missing.length === 0) return;
    const found = await this.slack(missing);
    if (!found.answered) this.slackSilent = true;
    for (const [id, name] of found.names) {
      this.known.set(id, name);
      await this.stored.remember(id, name).catch(() => undefined);
    }
  }

  /** The text in plain words, people named as learnt. */
  render(text: string): string {
    return terminalText(text, this.known);
  }

  /** Learns, then prints one line. */
  async say(text: string): Promise<void> {
    await this.learn([text]);
    console.log(this.render(text));
  }
}
