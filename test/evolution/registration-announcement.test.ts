import { describe, expect, it } from 'vitest';
import { registrationAnnouncement } from '../../src/evolution/registration-announcement.js';
import { PIPELINES_FILE_ACTOR } from '../../src/evolution/registration-policy.js';
import { aPipeline } from '../support/pipeline-fixture.js';

describe('registrationAnnouncement', () => {
  const pipeline = aPipeline({
    name: 'revenue',
    kafka: { outputTopic: 'rev-out', keyFormat: 'json' },
  });

  it('says who registered what, and from where when not from Slack', () => {
    const created = { pipeline, changes: [], created: true };
    expect(registrationAnnouncement(created, 'U0ADMIN1')).toBe(
      '<@U0ADMIN1> registered pipeline `revenue` (output rev-out).',
    );
    expect(registrationAnnouncement(created, 'U0ADMIN1', 'the CLI')).toBe(
      '<@U0ADMIN1> (from the CLI) registered pipeline `revenue` (output rev-out).',
    );
    expect(registrationAnnouncement(created, PIPELINES_FILE_ACTOR)).toBe(
      'The pipelines file registered pipeline `revenue` (output rev-out).',
    );
  });

  it('lists changed fields before -> after, and says nothing when nothing changed', () => {
    const changed = {
      pipeline,
      changes: [{ field: 'approvers' as const, before: ['U0A'], after: ['U0A', 'U0B'] }],
      created: false,
    };
    expect(registrationAnnouncement(changed, 'U0ADMIN1', 'the CLI')).toMatch(
      /^<@U0ADMIN1> \(from the CLI\) changed pipeline `revenue`:\n• approvers: /,
    );
    expect(registrationAnnouncement({ pipeline, changes: [], created: false }, 'U0ADMIN1')).toBe(
      undefined,
    );
  });
});
