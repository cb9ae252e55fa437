/**
 * People's names by Slack user id, so what people read says "Olivia", not
 * `<@U0DEMOOWNER>`. Learnt from what Slack already tells the bot (every signed
 * request names its sender); an id never seen has no name here.
 */
export interface UserNames {
  /** The names known for these ids; an id without one is absent from the map. */
  namesOf(ids: readonly string[]): Promise<ReadonlyMap<string, string>>;
  remember(id: string, name: string): Promise<void>;
}
