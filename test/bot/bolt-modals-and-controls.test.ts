import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_IDS, INPUT_IDS } from '../../src/bot/blocks/action-ids.js';
import { createBoltApp } from '../../src/bot/create-bolt-app.js';
import { EvolveError } from '../../src/errors.js';
import { FakeSlackApi } from '../../src/slack-fake/index.js';
import { aPipeline, V1_SQL } from '../support/pipeline-fixture.js';
import { anEvolutionIn } from '../support/evolution-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { REGISTER_EXAMPLE } from '../../src/bot/blocks/form-modals.js';
import {
  CHANNEL,
  directSlack,
  eventually,
  startBoltHarness,
  type BoltHarness,
} from './bolt-test-kit.js';
import { RecordingSlackCommands } from './recording-slack-commands.js';

let h: BoltHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function openDevelopModal(harness: BoltHarness, pipeline = 'revenue') {
  await harness.command(`develop ${pipeline}`, 'U0OWNER1');
  await eventually(() => expect(harness.fake.callsOf('views.update')).toHaveLength(1));
  const [view] = [...harness.fake.workspace.views.values()];
  if (!view) throw new Error('no view opened');
  return view.view;
}

describe('develop modal', () => {
  it("opens with a multiline input of max 3000 chars prefilled with v1's SQL", async () => {
    h = await startBoltHarness('SHADOW_RUNNING');
    const view = await openDevelopModal(h);
    const input = (view.blocks as { block_id?: string; element?: Record<string, unknown> }[]).find(
      (b) => b.block_id === INPUT_IDS.developSql.block,
    );
    expect(input?.element).toMatchObject({
      type: 'plain_text_input',
      multiline: true,
      max_length: 3000,
      initial_value: V1_SQL,
    });
    expect(h.service.callsOf('developForm')[0]?.args).toEqual(['revenue']);
  });

  it("shows the service's refusal in the modal instead of the form", async () => {
    h = await startBoltHarness('SHADOW_RUNNING');
    const view = await openDevelopModal(h, 'nosuch');
    expect(view.callback_id).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toMatch(/No pipeline 'nosuch' is registered/);
  });

  it('returns SQL errors inline on the SQL block with line and column, and starts nothing', async () => {
    h = await startBoltHarness('SHADOW_RUNNING');
    const view = await openDevelopModal(h);
    h.service.sqlIssues = [{ line: 3, column: 14, message: "mismatched input 'FORM'" }];
    const { res, ms } = await h.submitView(
      view,
      {
        [INPUT_IDS.developSql.block]: {
          [INPUT_IDS.developSql.action]: 'SELECT a\nFROM b\nWHERE c = FORM',
        },
      },
      'U0OWNER1',
    );
    expect(ms).toBeLessThan(3000);
    expect(await res.json()).toEqual({
      response_action: 'errors',
      errors: { [INPUT_IDS.developSql.block]: "Line 3, column 14: mismatched input 'FORM'" },
    });
    expect(h.service.callsOf('startDevelop')).toHaveLength(0);
  });

  it('refuses an empty SQL inline without asking the service', async () => {
    h = await startBoltHarness('SHADOW_RUNNING');
    const view = await openDevelopModal(h);
    const { res } = await h.submitView(
      view,
      { [INPUT_IDS.developSql.block]: { [INPUT_IDS.developSql.action]: '   ' } },
      'U0OWNER1',
    );
    expect(await res.json()).toMatchObject({ response_action: 'errors' });
    expect(h.service.callsOf('checkDevelopSql')).toHaveLength(0);
  });

  it('valid SQL closes the modal, starts the evolution in the channel of the command, and tells the submitter', async () => {
    h = await startBoltHarness('SHADOW_RUNNING');
    const view = await openDevelopModal(h);
    const { res } = await h.submitView(
      view,
      {
        [INPUT_IDS.developSql.block]: { [INPUT_IDS.developSql.action]: 'INSERT INTO x SELECT 1;' },
      },
      'U0OWNER1',
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    await eventually(() => expect(h?.fake.workspace.ephemeralsFor('U0OWNER1')).toHaveLength(1));
    const [call] = h.service.callsOf('startDevelop');
    expect(call?.actor).toMatchObject({ userId: 'U0OWNER1', channelId: CHANNEL });
    expect(call?.args[0]).toEqual({ pipeline: 'revenue', sql: 'INSERT INTO x SELECT 1;' });
  });
});

describe('register modal', () => {
  it('opens on `/evolve register` and hands the YAML to the service; empty YAML is refused inline', async () => {
    h = await startBoltHarness('SHADOW_RUNNING');
    await h.command('register', 'U0OWNER1');
    await eventually(() => expect(h?.fake.callsOf('views.open')).toHaveLength(1));
    const [opened] = [...h.fake.workspace.views.values()];
    const view = opened?.view ?? {};
    const field = { [INPUT_IDS.registerYaml.block]: { [INPUT_IDS.registerYaml.action]: '' } };

    const empty = await h.submitView(view, field, 'U0OWNER1');
    expect(await empty.res.json()).toMatchObject({
      response_action: 'errors',
      errors: { [INPUT_IDS.registerYaml.block]: expect.stringMatching(/YAML/) },
    });

    // The form opens holding a commented example; submitted untouched, it registers nothing.
    const example = JSON.stringify(view);
    expect(example).toContain('#     owners: [U0123ABCDEF]');
    const untouched = await h.submitView(
      view,
      { [INPUT_IDS.registerYaml.block]: { [INPUT_IDS.registerYaml.action]: REGISTER_EXAMPLE } },
      'U0OWNER1',
    );
    expect(await untouched.res.json()).toMatchObject({
      response_action: 'errors',
      errors: {
        [INPUT_IDS.registerYaml.block]: expect.stringMatching(/only comments: remove the leading/),
      },
    });
    expect(h.service.callsOf('registerPipeline')).toHaveLength(0);

    const yaml = 'name: orders\n';
    const ok = await h.submitView(
      view,
      { [INPUT_IDS.registerYaml.block]: { [INPUT_IDS.registerYaml.action]: yaml } },
      'U0OWNER1',
    );
    expect(ok.res.status).toBe(200);
    await eventually(() => expect(h?.service.callsOf('registerPipeline')).toHaveLength(1));
    expect(h.service.callsOf('registerPipeline')[0]?.args).toEqual([yaml]);
    await eventually(() => expect(h?.fake.workspace.ephemeralsFor('U0OWNER1')).toHaveLength(1));
  });
});

describe('backfill buttons on the status card', () => {
  it('Pause reaches the service with the evolution id the card was drawn for', async () => {
    h = await startBoltHarness('BACKFILLING');
    const { statusMessageTs } = await h.notifier.ensureThread(h.evolution);
    const card = h.fake.workspace.message(CHANNEL, statusMessageTs);
    if (!card) throw new Error('no card');
    const { res } = await h.click(card, ACTION_IDS.pauseBackfill, 'U0OWNER1');
    expect(res.status).toBe(200);
    await eventually(() => expect(h?.service.callsOf('pauseBackfill')).toHaveLength(1));
    expect(h.service.callsOf('pauseBackfill')[0]?.args[0]).toEqual({ evolutionId: h.evolution.id });
    await eventually(() => expect(h?.fake.workspace.ephemeralsFor('U0OWNER1')).toHaveLength(1));
  });
});

describe('createBoltApp configuration', () => {
  const service = new RecordingSlackCommands(aPipeline(), anEvolutionIn('LIVE', new FakeClock()));
  const slack = directSlack('xoxb-1');

  it('refuses Socket Mode without an app token, naming SLACK_APP_TOKEN', () => {
    expect(() => createBoltApp({ mode: 'socket', botToken: 'xoxb-1', ...slack }, service)).toThrow(
      /SLACK_APP_TOKEN/,
    );
    expect(() =>
      createBoltApp({ mode: 'socket', botToken: 'xoxb-1', appToken: 'xoxb-2', ...slack }, service),
    ).toThrow(/SLACK_APP_TOKEN.*xapp-/);
  });

  it('refuses HTTP mode without a signing secret, and a token that is not a bot token', () => {
    expect(() => createBoltApp({ mode: 'http', botToken: 'xoxb-1', ...slack }, service)).toThrow(
      /SLACK_SIGNING_SECRET/,
    );
    expect(() =>
      createBoltApp({ mode: 'http', botToken: 'xoxp-1', signingSecret: 's', ...slack }, service),
    ).toThrow(/SLACK_BOT_TOKEN/);
  });

  it('fails to start when Slack refuses the token (auth.test), naming SLACK_BOT_TOKEN', async () => {
    const fake = new FakeSlackApi();
    const apiUrl = await fake.start();
    try {
      const bot = createBoltApp(
        {
          mode: 'http',
          botToken: 'xoxb-revoked',
          signingSecret: 's',
          slackApiUrl: apiUrl,
          port: 0,
          ...directSlack('xoxb-revoked', apiUrl),
        },
        service,
      );
      const err = await bot.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EvolveError);
      expect((err as EvolveError).code).toBe('CONFIG_INVALID');
      expect((err as EvolveError).userMessage).toMatch(/SLACK_BOT_TOKEN/);
      expect(fake.callsOf('auth.test')[0]?.error).toBe('invalid_auth');
    } finally {
      await fake.stop();
    }
  });
});
