import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach } from 'vitest';
import { FakeSlackApi } from '../../src/slack-fake/index.js';

export interface FakeSlack {
  fake: FakeSlackApi;
  client: WebClient;
}

/**
 * A fresh fake Slack API for every test of the file, and a real WebClient on
 * it that neither retries nor waits out a rate limit: a test sees every call
 * and every 429 as it happened. Call it at the top of the file (it registers
 * the hooks); the fields change from one test to the next.
 */
export function useFakeSlack(): FakeSlack {
  const slack = {} as FakeSlack;
  beforeEach(async () => {
    slack.fake = new FakeSlackApi();
    slack.client = new WebClient(slack.fake.botToken, {
      slackApiUrl: await slack.fake.start(),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
  });
  afterEach(async () => {
    await slack.fake.stop();
  });
  return slack;
}
