import { describe, expect, it } from 'vitest';
import { compareTs, FakeSlackWorkspace } from '../../src/slack-fake/index.js';

const C = 'C0REC';

describe('FakeSlackWorkspace record (what a playground restart keeps)', () => {
  it('keeps only the newest messages, never a reply without its parent, and files without their bytes', () => {
    const ws = new FakeSlackWorkspace();
    const old = ws.postMessage({ channel: C, text: 'old parent' });
    if (old === 'thread_not_found') throw new Error('unexpected');
    ws.postMessage({ channel: C, text: 'old reply', threadTs: old.ts });
    ws.postMessage({ channel: C, text: 'late reply to old', threadTs: old.ts });
    const fresh = ws.postMessage({
      channel: C,
      text: 'with a file',
      files: [
        { id: 'F1', filename: 'diff.txt', bytes: Buffer.from('secret bytes'), completed: true },
      ],
    });
    if (fresh === 'thread_not_found') throw new Error('unexpected');
    ws.files.set('F1', fresh.files![0]!);
    ws.postMessage({ channel: C, text: 'newest' });

    const record = ws.toRecord(3);
    // The 3 newest are 'late reply to old', 'with a file', 'newest'; the reply's parent is gone, so is it.
    expect(record.messages.map((m) => m.text)).toEqual(['with a file', 'newest']);
    expect(JSON.stringify(record)).not.toContain('bytes');
    expect(record.files).toEqual([{ id: 'F1', filename: 'diff.txt', completed: true }]);
  });

  it('a restored workspace orders its new posts after the old ones even when its clock is behind', () => {
    const ahead = new FakeSlackWorkspace(() => 2_000_000_000_000);
    const last = ahead.postMessage({ channel: C, text: 'from the future' });
    if (last === 'thread_not_found') throw new Error('unexpected');
    const usedId = ahead.nextId('F');
    const behind = new FakeSlackWorkspace(() => 1_000_000_000_000);
    behind.restore(JSON.parse(JSON.stringify(ahead.toRecord())));
    const next = behind.postMessage({ channel: C, text: 'after the restore' });
    if (next === 'thread_not_found') throw new Error('unexpected');
    expect(compareTs(next.ts, last.ts)).toBeGreaterThan(0);
    expect(behind.nextId('F')).not.toBe(usedId);
  });

  it('tells its listeners about posts, edits and deletions, not about reads', () => {
    const ws = new FakeSlackWorkspace();
    let changes = 0;
    const off = ws.onChange(() => (changes += 1));
    const m = ws.postMessage({ channel: C, text: 'a' });
    if (m === 'thread_not_found') throw new Error('unexpected');
    ws.updateMessage({ channel: C, ts: m.ts, text: 'b' });
    ws.channelHistory(C);
    ws.deleteMessage(C, m.ts);
    ws.deleteMessage(C, m.ts);
    expect(changes).toBe(3);
    off();
    ws.postMessage({ channel: C, text: 'c' });
    expect(changes).toBe(3);
  });
});
