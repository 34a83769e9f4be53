import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../helpers/fakes/discord.js';
import { FakeMatrix } from '../helpers/fakes/matrix.js';
import { FakeNtfy } from '../helpers/fakes/ntfy.js';
import { FakePagerDuty } from '../helpers/fakes/pagerduty.js';
import { FakeSlack } from '../helpers/fakes/slack.js';
import { FakeTelegram } from '../helpers/fakes/telegram.js';
import { notifyApp, type NotifyTestApp } from '../helpers/notify-app.js';
import { CaptureServer } from '../helpers/webhook-server.js';

/*
 * Every receiver kind wired end to end: configured in YAML as a user writes it (the loader and the
 * kind registry, secrets from an environment-style file), fed by a routed alert, delivered through
 * the outbox to a local server that checks what the real service checks.
 */

const MATRIX_TOKEN = 'syt_matrix_token_0123456789';
const TELEGRAM_TOKEN = '123456789:AAHtelegramTokenForTests_0123456789';
const PAGERDUTY_KEY = 'R0123456789ABCDEF0123456789ABCDE';

describe('every receiver kind through the pipeline', () => {
  let t: NotifyTestApp | null = null;
  const webhook = new CaptureServer();
  const slack = new FakeSlack();
  const matrix = new FakeMatrix();
  const pagerduty = new FakePagerDuty();
  const telegram = new FakeTelegram(TELEGRAM_TOKEN, [-1001]);
  const discord = new FakeDiscord();
  const ntfy = new FakeNtfy();
  afterEach(async () => {
    await t?.close();
    for (const s of [webhook, slack, matrix, pagerduty, telegram, discord, ntfy]) await s.stop();
  });

  it('delivers one message to each, and each shows as delivered', async () => {
    const webhookUrl = await webhook.start();
    await slack.start();
    const slackUrl = slack.addWebhook();
    const matrixUrl = await matrix.start();
    matrix.addUser('@sentinel:example.org', MATRIX_TOKEN);
    matrix.join('!ops:example.org', '@sentinel:example.org');
    const pagerdutyUrl = await pagerduty.start();
    const telegramUrl = await telegram.start();
    await discord.start();
    const ntfyUrl = await ntfy.start();

    t = await notifyApp(
      'sqlite',
      `
route: { receiver: everyone, group_wait: 0s }
receivers:
  - name: everyone
    webhook_configs: [{ url: "${webhookUrl}/hook" }]
    slack_configs: [{ api_url: "${slackUrl}", channel: "#alerts" }]
    matrix_configs: [{ homeserver: "${matrixUrl}", access_token: "${MATRIX_TOKEN}", room_id: "!ops:example.org" }]
    pagerduty_configs: [{ url: "${pagerdutyUrl}", routing_key: "${PAGERDUTY_KEY}" }]
    telegram_configs: [{ api_url: "${telegramUrl}", bot_token: "${TELEGRAM_TOKEN}", chat_id: -1001 }]
    discord_configs: [{ webhook_url: "${discord.url}" }]
    ntfy_configs: [{ url: "${ntfyUrl}", topic: "sentinel-ops" }]
notifications: { throttle: { per_source: 0s } }
`,
    );
    const r = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      payload: {
        service: 'quote-ingest',
        kind: 'quotes_stale',
        title: 'No quotes for 5 minutes',
        severity: 'critical',
        annotations: { runbook_url: 'https://runbooks.example.org/quotes', observed_state: '{"age_s": 312}' },
      },
    });
    expect(r.statusCode).toBe(200);
    await t.pump();

    expect(webhook.requests).toHaveLength(1);
    expect(slack.accepted).toHaveLength(1);
    expect(matrix.eventsIn('!ops:example.org')).toHaveLength(1);
    expect(pagerduty.events()).toHaveLength(1);
    expect(telegram.messages).toHaveLength(1);
    expect(discord.messages()).toHaveLength(1);
    expect(ntfy.messages()).toHaveLength(1);
    const list = (await t.app.http.inject({ url: '/api/v1/deliveries' })).json<{
      deliveries: Array<{ integration: string; status: string }>;
    }>();
    expect(list.deliveries.map((d) => `${d.integration} ${d.status}`).sort()).toEqual([
      'everyone/discord/0 delivered',
      'everyone/matrix/0 delivered',
      'everyone/ntfy/0 delivered',
      'everyone/pagerduty/0 delivered',
      'everyone/slack/0 delivered',
      'everyone/telegram/0 delivered',
      'everyone/webhook/0 delivered',
    ]);
  });
});
