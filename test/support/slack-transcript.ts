import type { FakeSlackWorkspace } from '../../src/slack-fake/index.js';

/**
 * What a channel shows, as text: each top-level message (with how often it
 * was edited), then its thread replies, oldest first. Tests print it so a
 * run's thread can be quoted as it was.
 */
export function slackTranscript(workspace: FakeSlackWorkspace, channel: string): string {
  const lines: string[] = [];
  for (const m of workspace.channelHistory(channel)) {
    const edits = m.editCount > 0 ? ` (edited ${m.editCount}x)` : '';
    lines.push(`${m.ts} ${firstLine(m.text)}${edits}`);
    for (const r of workspace.threadReplies(channel, m.ts)) {
      const replyEdits = r.editCount > 0 ? ` (edited ${r.editCount}x)` : '';
      lines.push(`  ↳ ${r.ts} ${firstLine(r.text)}${replyEdits}`);
    }
  }
  return lines.join('\n');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
