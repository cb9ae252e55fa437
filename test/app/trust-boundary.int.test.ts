import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime, type Runtime } from '../../src/app/create-runtime.js';
import { INPUT_IDS } from '../../src/bot/blocks/action-ids.js';
import { developModal, registerModal } from '../../src/bot/blocks/form-modals.js';
import { loadConfig } from '../../src/config/load-config.js';
import { newEvolution } from '../../src/evolution/new-evolution.js';
import {
  FakeSlackApi,
  sendSignedRequest,
  slashCommandBody,
  viewSubmissionBody,
} from '../../src/slack-fake/index.js';
import { systemClock } from '../../src/store/system-clock.js';
import { aPipeline } from '../support/pipeline-fixture.js';
import { freePort } from '../support/free-port.js';
import { deleteKeysWithPrefix } from '../support/redis-test-keys.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { uniqueName } from '../support/unique-name.js';
import { WorkerChild } from '../support/worker-child.js';

const SECRET = 'trust-boundary-signing-secret';
const CHANNEL = 'C0TRUST';
const ADMIN = 'U0ADMIN1';
const OWNER = 'U0OWNER1';
const APPROVER = 'U0APPR1';
const STRANGER = 'U0STRANGER';

/** A Flink endpoint that records every request: it must hear nothing from a refused actor. */
async function recordingServer(): Promise<{
  url: string;
  requests: IncomingMessage[];
  server: Server;
}> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    server,
  };
}

function pipelineYaml(
  name: string,
  fields: { topic: string; approvers: string; self?: boolean; extra?: string },
): string {
  return [
    'pipelines:',
    `  ${name}:`,
    '    kafka:',
    `      outputTopic: ${fields.topic}`,
    '      keyFormat: json',
    '    production:',
    '      sql: "INSERT INTO out SELECT 1"',
    `      flinkJobId: "${'b'.repeat(32)}"`,
    `    owners: [${OWNER}]`,
    `    approvers: [${fields.approvers}]`,
    `    allowSelfApproval: ${fields.self ?? false}`,
    ...(fields.extra ? [fields.extra] : []),
  ].join('\n');
}

/**
 * The black-box probe of the issue, run against `evolve bot` as users start
 * it (its own OS process, HTTP mode, only its environment): every request is
 * a signed Slack request, every answer is read from the fake Slack Web API,
 * and the test looks at Redis through a runtime of its own.
 */
describe('trust boundary through the real bot (signed HTTP, fake Slack Web API, real Redis)', () => {
  const e = stackEndpoints();
  const run = uniqueName('trust');
  const prefix = `${run}:`;
  const fake = new FakeSlackApi();
  let child: WorkerChild;
  /** The bot's Redis, Kafka and queues as the test sees them (the bot runs apart). */
  let bot: { runtime: Runtime };
  let flink: Awaited<ReturnType<typeof recordingServer>>;
  let url: string;

  beforeAll(async () => {
    flink = await recordingServer();
    const apiUrl = await fake.start();
    const port = await freePort();
    const env = {
      EVOLVE_REDIS_URL: e.redisUrl,
      EVOLVE_REDIS_PREFIX: prefix,
      EVOLVE_QUEUE_NAMESPACE: run,
      EVOLVE_KAFKA_BROKERS: e.kafkaBrokers.join(','),
      EVOLVE_FLINK_REST_URL: flink.url,
      EVOLVE_FLINK_GATEWAY_URL: flink.url,
      EVOLVE_FLINK_AUTH_HEADER: 'Bearer never-leaves',
      EVOLVE_ADMINS: ADMIN,
      EVOLVE_SQL_URL_ALLOWED_HOSTS: flink.url.replace('http://', ''),
      EVOLVE_SLACK_MODE: 'http',
      EVOLVE_SLACK_API_URL: apiUrl,
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      EVOLVE_LOG_LEVEL: 'warn',
    };
    url = `http://127.0.0.1:${port}/slack/events`;
    // Ready when its receiver answers (an unsigned request: 401, and nothing runs).
    child = await WorkerChild.start(
      'bot',
      { ...env, EVOLVE_PORT: String(port) },
      async () =>
        await fetch(url, { method: 'POST', body: '{}' }).then(
          (r) => r.status === 401,
          () => false,
        ),
      'bot',
    );
    bot = { runtime: await createRuntime(loadConfig(env), { namespace: run, keyPrefix: prefix }) };
  }, 240_000);

  afterAll(async () => {
    await child?.killAndWait();
    if (child?.output.length) console.log(`[trust] the bot logged:\n${child.output.join('\n')}`);
    await bot?.runtime.close();
    await fake.stop();
    flink?.server.close();
    const { Redis } = await import('ioredis');
    const redis = new Redis(e.redisUrl);
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  /** The reply a person sees: in the ack itself (bad input), or later through response_url. */
  const command = async (text: string, userId: string) => {
    const responseUrl = fake.createResponseUrl();
    const res = await sendSignedRequest(
      url,
      slashCommandBody({ text, userId, channelId: CHANNEL, responseUrl }),
      SECRET,
    );
    expect(res.status).toBe(200);
    const ack = await res.text();
    if (ack !== '') return String((JSON.parse(ack) as { text?: string }).text ?? '');
    await vi.waitFor(() => expect(fake.responsesTo(responseUrl).length).toBeGreaterThan(0), {
      timeout: 10_000,
    });
    return String(fake.responsesTo(responseUrl)[0]?.text ?? '');
  };

  const submitRegister = async (yaml: string, userId: string) => {
    const view = registerModal(CHANNEL) as unknown as Record<string, unknown>;
    const body = viewSubmissionBody({
      user: { id: userId },
      view,
      values: { [INPUT_IDS.registerYaml.block]: { [INPUT_IDS.registerYaml.action]: yaml } },
    });
    const res = await sendSignedRequest(url, body, SECRET);
    const text = await res.text();
    return text === '' ? {} : (JSON.parse(text) as { errors?: Record<string, string> });
  };

  it('a stranger gets no register form, and a forged submission registers nothing', async () => {
    const name = uniqueName('stranger').toLowerCase();
    const responseUrl = fake.createResponseUrl();
    await sendSignedRequest(
      url,
      slashCommandBody({ text: 'register', userId: STRANGER, channelId: CHANNEL, responseUrl }),
      SECRET,
    );
    await vi.waitFor(() => expect(fake.callsOf('views.update').length).toBeGreaterThan(0));
    const shown = JSON.stringify(fake.callsOf('views.update').at(-1));
    expect(shown).toContain('Only administrators register pipelines');
    expect(shown).not.toContain(INPUT_IDS.registerYaml.block);

    const reply = await submitRegister(
      pipelineYaml(name, { topic: 'stolen-topic', approvers: STRANGER, self: true }),
      STRANGER,
    );
    const error = reply.errors?.[INPUT_IDS.registerYaml.block] ?? '';
    console.log(`[trust] forged registration by a stranger: "${error}"`);
    expect(error).toMatch(/Only administrators register pipelines/);
    expect(await bot.runtime.service.pipelineNamed(name).catch(() => undefined)).toBeUndefined();
    const audit = await bot.runtime.workflow.audit.list(name);
    expect(audit).toMatchObject([{ actor: STRANGER, action: 'registerPipeline', accepted: false }]);
  });

  it('sqlFile from Slack is refused: the bot reads no file a user names', async () => {
    const name = uniqueName('secretfile').toLowerCase();
    const yaml = pipelineYaml(name, { topic: 'x-topic', approvers: APPROVER }).replace(
      '      sql: "INSERT INTO out SELECT 1"',
      '      sqlFile: /proc/self/environ',
    );
    const reply = await submitRegister(yaml, ADMIN);
    const error = reply.errors?.[INPUT_IDS.registerYaml.block] ?? '';
    console.log(`[trust] sqlFile from Slack: "${error}"`);
    expect(error).toMatch(/sqlFile/);
    expect(error).not.toMatch(/SLACK_|xoxb|never-leaves/);
    expect(await bot.runtime.service.pipelineNamed(name).catch(() => undefined)).toBeUndefined();
  });

  it('an administrator registers; the channel is told field by field and the audit keeps before/after', async () => {
    const name = uniqueName('admin').toLowerCase();
    expect(
      await submitRegister(pipelineYaml(name, { topic: 'rev-a', approvers: APPROVER }), ADMIN),
    ).toEqual({});
    await vi.waitFor(() =>
      expect(fake.workspace.channelHistory(CHANNEL).some((m) => m.text.includes(name))).toBe(true),
    );
    const announced = fake.workspace.channelHistory(CHANNEL).find((m) => m.text.includes(name));
    console.log(`[trust] announcement: ${announced?.text.split('\n')[0]}`);
    expect(announced?.text).toContain(`<@${ADMIN}> registered pipeline`);

    // The owner may change a default, but not who approves, nor self-approval, nor the topic.
    const escalate = await submitRegister(
      pipelineYaml(name, { topic: 'rev-b', approvers: OWNER, self: true }),
      OWNER,
    );
    const refused = escalate.errors?.[INPUT_IDS.registerYaml.block] ?? '';
    console.log(`[trust] owner escalating: "${refused}"`);
    expect(refused).toMatch(
      /Only administrators change kafka\.outputTopic, approvers, allowSelfApproval/,
    );
    const stored = await bot.runtime.service.pipelineNamed(name);
    expect(stored).toMatchObject({ approvers: [APPROVER], allowSelfApproval: false });

    const retuned = await submitRegister(
      pipelineYaml(name, {
        topic: 'rev-a',
        approvers: APPROVER,
        extra: '    approvalTtlMs: 120000',
      }),
      OWNER,
    );
    expect(retuned).toEqual({});
    await vi.waitFor(async () =>
      expect((await bot.runtime.service.pipelineNamed(name)).approvalTtlMs).toBe(120_000),
    );
    const audit = await bot.runtime.workflow.audit.list(name);
    const change = audit.find((a) => a.action === 'changePipeline' && a.accepted);
    expect(change?.changes).toEqual([
      { field: 'approvalTtlMs', before: 86_400_000, after: 120_000 },
    ]);
    expect(audit.filter((a) => !a.accepted)).toMatchObject([
      { actor: OWNER, action: 'changePipeline', code: 'PERMISSION_DENIED' },
    ]);
  });

  it('what an active evolution depends on cannot change, even for an administrator', async () => {
    const name = uniqueName('frozen').toLowerCase();
    const pipeline = aPipeline({
      name,
      flink: { restUrl: flink.url, gatewayUrl: flink.url },
      kafka: { outputTopic: 'frozen-out', keyFormat: 'json' },
      owners: [OWNER],
      approvers: [APPROVER],
    });
    await bot.runtime.service.registerFromFile(pipeline);
    const ev = await bot.runtime.workflow.evolutions.create(
      newEvolution({
        pipeline,
        v2Sql: 'INSERT INTO x SELECT 2',
        requester: OWNER,
        slack: { channel: CHANNEL },
        clock: systemClock,
      }),
    );
    expect(ev.snapshot?.kafka.outputTopic).toBe('frozen-out');
    const reply = await submitRegister(
      pipelineYaml(name, { topic: 'elsewhere', approvers: APPROVER }),
      ADMIN,
    );
    const error = reply.errors?.[INPUT_IDS.registerYaml.block] ?? '';
    console.log(`[trust] change during an evolution: "${error}"`);
    expect(error).toContain(`has evolution ${ev.id} in progress`);
    expect((await bot.runtime.service.pipelineNamed(name)).kafka.outputTopic).toBe('frozen-out');

    // A second develop is refused before the editor opens, saying how to end the first.
    const updates = fake.callsOf('views.update').length;
    const responseUrl = fake.createResponseUrl();
    await sendSignedRequest(
      url,
      slashCommandBody({ text: `develop ${name}`, userId: OWNER, channelId: CHANNEL, responseUrl }),
      SECRET,
    );
    await vi.waitFor(() => expect(fake.callsOf('views.update').length).toBeGreaterThan(updates));
    const shown = JSON.stringify(fake.callsOf('views.update').at(-1));
    console.log(`[trust] develop during an evolution: ${shown.slice(0, 200)}`);
    expect(shown).toContain(`already has an active evolution: ${ev.id}`);
    expect(shown).toContain(`/evolve abort ${name}`);
    expect(shown).not.toContain(INPUT_IDS.developSql.block);
  });

  it('permission comes before any outbound call: SQL check, sql=<url> and diff of a stranger reach no host', async () => {
    const name = uniqueName('outbound').toLowerCase();
    await bot.runtime.service.registerFromFile(
      aPipeline({
        name,
        flink: { restUrl: flink.url, gatewayUrl: flink.url },
        kafka: { outputTopic: 'outbound-out', keyFormat: 'json' },
        owners: [OWNER],
        approvers: [APPROVER],
      }),
    );
    const before = flink.requests.length;
    const view = developModal({
      pipeline: name,
      v1Sql: 'x',
      channelId: CHANNEL,
    }) as unknown as Record<string, unknown>;
    const res = await sendSignedRequest(
      url,
      viewSubmissionBody({
        user: { id: STRANGER },
        view,
        values: {
          [INPUT_IDS.developSql.block]: { [INPUT_IDS.developSql.action]: 'INSERT INTO x SELECT 3' },
        },
      }),
      SECRET,
    );
    const inline = JSON.stringify(await res.json());
    console.log(`[trust] develop modal by a stranger: ${inline.slice(0, 160)}`);
    expect(inline).toMatch(/is not an owner of pipeline/);

    const viaUrl = await command(
      `develop ${name} sql=${flink.url.replace('http', 'https')}/v2.sql`,
      STRANGER,
    );
    expect(viaUrl).toMatch(/is not an owner of pipeline/);
    const diff = await command(`diff ${name}`, STRANGER);
    console.log(`[trust] diff by a stranger: "${diff}"`);
    expect(diff).toMatch(/is not an owner or approver/);
    expect(flink.requests.length - before).toBe(0);
    const refusals = (await bot.runtime.workflow.audit.list(name)).filter((a) => !a.accepted);
    expect(refusals.map((a) => a.action)).toEqual(['develop', 'develop']);

    // The owner submitting production's own SQL keeps the modal (and the edits) with the reason inline.
    const production = (await bot.runtime.service.pipelineNamed(name)).production.sql;
    const unchanged = await sendSignedRequest(
      url,
      viewSubmissionBody({
        user: { id: OWNER },
        view,
        values: { [INPUT_IDS.developSql.block]: { [INPUT_IDS.developSql.action]: production } },
      }),
      SECRET,
    );
    const kept = (await unchanged.json()) as {
      response_action?: string;
      errors?: Record<string, string>;
    };
    expect(kept.response_action).toBe('errors');
    expect(kept.errors?.[INPUT_IDS.developSql.block]).toMatch(
      /The v2 SQL is the same as what pipeline '[^']+' runs in production/,
    );
    expect(flink.requests.length - before, 'nothing sent to Flink').toBe(0);
  });
  it('a foreign Flink host is refused at registration, and it hears nothing', async () => {
    const foreign = await recordingServer();
    try {
      const name = uniqueName('foreign').toLowerCase();
      const yaml = pipelineYaml(name, {
        topic: 'foreign-out',
        approvers: APPROVER,
        extra: `    flink: { restUrl: "${foreign.url}", gatewayUrl: "${foreign.url}" }`,
      });
      const reply = await submitRegister(yaml, ADMIN);
      const error = reply.errors?.[INPUT_IDS.registerYaml.block] ?? '';
      console.log(`[trust] foreign Flink host: "${error}"`);
      expect(error).toMatch(/not an allowed Flink endpoint[\s\S]*EVOLVE_FLINK_ALLOWED_URLS/);
      expect(await bot.runtime.service.pipelineNamed(name).catch(() => undefined)).toBeUndefined();
      expect(foreign.requests).toHaveLength(0);
    } finally {
      foreign.server.close();
    }
  });

  it('request hygiene on the real bot: future and replayed signatures, oversized text, mention injection', async () => {
    const body = (text: string) =>
      slashCommandBody({
        text,
        userId: OWNER,
        channelId: CHANNEL,
        responseUrl: fake.createResponseUrl(),
      });
    const future = await sendSignedRequest(url, body('help'), SECRET, {
      timestamp: Math.floor(Date.now() / 1000) + 400,
    });
    const once = body('pipelines');
    const ts = Math.floor(Date.now() / 1000);
    const first = await sendSignedRequest(url, once, SECRET, { timestamp: ts });
    const replay = await sendSignedRequest(url, once, SECRET, { timestamp: ts });
    console.log(
      `[trust] signed 400 s in the future: HTTP ${future.status}; first: HTTP ${first.status}; replay: HTTP ${replay.status}`,
    );
    expect(future.status).toBe(401);
    expect(first.status).toBe(200);
    expect(replay.status).toBe(401);

    const oversized = await command(`status ${'x'.repeat(5000)}`, OWNER);
    expect(oversized).toMatch(/at most 4,096 bytes/);
    const injected = await command('status foo<!channel>', STRANGER);
    console.log(`[trust] mention injection: "${injected.split('\n')[0]}"`);
    expect(injected).not.toContain('<!channel>');
    expect(injected).toContain('&lt;!channel&gt;');
  });

  it('/evolve rollback on the real bot: a stranger and an approver are refused before anything is asked, the owner is told there is nothing to roll back', async () => {
    const name = uniqueName('rollback').toLowerCase();
    await bot.runtime.service.registerFromFile(
      aPipeline({
        name,
        flink: { restUrl: flink.url, gatewayUrl: flink.url },
        kafka: { outputTopic: 'rollback-out', keyFormat: 'json' },
        owners: [OWNER],
        approvers: [APPROVER],
      }),
    );
    const before = flink.requests.length;
    const stranger = await command(`rollback ${name}`, STRANGER);
    const approver = await command(`rollback ${name}`, APPROVER);
    const owner = await command(`rollback ${name}`, OWNER);
    console.log(`[trust] rollback by a stranger: "${stranger.split('\n')[0]}"`);
    console.log(`[trust] rollback by the owner, nothing live: "${owner.split('\n')[0]}"`);
    expect(stranger).toMatch(/is not an owner of pipeline/);
    expect(approver).toMatch(/is not an owner of pipeline/);
    expect(owner).toContain(`Pipeline '${name}' has no evolution that went live`);
    expect(flink.requests.length - before, 'Flink heard nothing').toBe(0);
    const audit = await bot.runtime.workflow.audit.list(name);
    expect(audit.filter((a) => a.action === 'rollback').map((a) => [a.actor, a.accepted])).toEqual([
      [STRANGER, false],
      [APPROVER, false],
      [OWNER, false],
    ]);
    expect(await bot.runtime.workflow.evolutions.listByPipeline(name, 5)).toEqual([]);
  });

  // Last: everything the bot sent to Slack over the whole file (Web API
  // calls with their arguments, response_url posts), including the develop
  // and register forms, SQL checks and refusals above.
  it('no secret left the bot: not in any Slack call or reply', async () => {
    const replies = [...fake.workspace.responseUrls.values()].flatMap((r) => r.posts);
    const slackSaw = JSON.stringify([fake.calls, replies]);
    console.log(
      `[trust] scanned ${fake.calls.length} Slack calls and ${replies.length} replies (${slackSaw.length} characters) for the signing secret, the bot token and the Flink auth header`,
    );
    // What the earlier cases waited for is in what was scanned (their count varies with timing).
    expect(slackSaw, 'the probe did reach Slack').toContain('Cannot develop');
    for (const secret of [SECRET, fake.botToken, 'never-leaves'])
      expect(slackSaw).not.toContain(secret);
  });
});
