import type {
  PostedApproval,
  SlackThreadIds,
  SlackThreads,
} from '../../src/slack-writer/slack-threads.js';

/** The writer's thread memory without Redis, for unit tests of the poster. */
export class InMemorySlackThreads implements SlackThreads {
  readonly threads = new Map<string, SlackThreadIds>();
  async get(id: string): Promise<SlackThreadIds | undefined> {
    return this.threads.get(id);
  }
  async set(id: string, ids: SlackThreadIds): Promise<void> {
    this.threads.set(id, ids);
  }
  async forget(id: string): Promise<void> {
    this.threads.delete(id);
  }
  readonly approvals = new Map<string, PostedApproval>();
  async approval(id: string): Promise<PostedApproval | undefined> {
    return this.approvals.get(id);
  }
  async setApproval(id: string, a: PostedApproval): Promise<void> {
    this.approvals.set(id, a);
  }
}
